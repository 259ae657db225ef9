// The kit's client (@metrox/kit/cipher) against the real helper: concurrency, key
// rotation, deadlines, reconnection, metrics and trace context.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CipherError, createCipherClient, type CipherClient } from '@metrox/kit/cipher';
import { startHelperFixture, type HelperFixture } from './helper-fixture.ts';

let fixture: HelperFixture;
let client: CipherClient;

beforeAll(async () => {
  fixture = await startHelperFixture({}, ['k1']);
  client = createCipherClient({ address: fixture.address, deadlineMs: 20_000 });
});
afterAll(async () => {
  client.close();
  await fixture.close();
});

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${fixture.helper.ops.port}/metrics`);
  const text = await response.text();
  const selector = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(',');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  if (!line) throw new Error(`no sample ${name}{${selector}} in /metrics`);
  return Number(line.split(' ').at(-1));
}

async function expectCipherError(promise: Promise<unknown>, code: string): Promise<CipherError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CipherError);
  expect((error as CipherError).code).toBe(code);
  return error as CipherError;
}

describe('cipher client against the helper', () => {
  it('answers 1,000 concurrent requests from several clients, each correctly', async () => {
    const clients = Array.from({ length: 4 }, () => createCipherClient({ address: fixture.address, deadlineMs: 30_000 }));
    try {
      const clientFor = (i: number): CipherClient => clients[i % clients.length] ?? client;
      const plaintexts = Array.from({ length: 1_000 }, (_, i) => `upi:rider-${i}@okbank`);
      const sealed = await Promise.all(plaintexts.map((p, i) => clientFor(i).encrypt(p, { context: `payment-${i}` })));
      expect(new Set(sealed).size).toBe(1_000);
      // Decrypted through other clients: any connection can open any ciphertext.
      const opened = await Promise.all(sealed.map((c, i) => clientFor(i + 1).decrypt(c, { context: `payment-${i}` })));
      expect(opened).toEqual(plaintexts);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('decrypts with a rotated-out key that is still present, and encrypts with the newest', async () => {
    const old = await client.call('encrypt', 'card_tok_old');
    expect(old.keyId).toBe('k1');
    await fixture.writeKey('k2');
    expect((await fixture.helper.reloadKeys())?.primary.id).toBe('k2');

    const fresh = await client.call('encrypt', 'card_tok_new');
    expect(fresh.keyId).toBe('k2');
    expect(await client.call('decrypt', old.data)).toEqual({ data: 'card_tok_old', keyId: 'k1' });
    expect(await client.decrypt(fresh.data)).toBe('card_tok_new');

    // Once the old key is gone, its ciphertext says which key is missing.
    await fixture.removeKey('k1');
    await fixture.helper.reloadKeys();
    const error = await expectCipherError(client.decrypt(old.data), 'unknown_key');
    expect(error.message).toMatch(/"k1"/);
    expect(error.retryable).toBe(false);
  });

  it('keeps the loaded keys when the key directory turns bad', async () => {
    await fixture.writeKey('k3');
    await fixture.helper.reloadKeys();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${fixture.keysDir}/k4`, 'not a key');
    expect(await fixture.helper.reloadKeys()).toBeUndefined();
    expect((await client.call('encrypt', 'still works')).keyId).toBe('k3');
    expect(await metricValue('cipher_key_reloads_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(1);
    await fixture.removeKey('k4');
  });

  it('counts requests by op and outcome', async () => {
    const before = await metricValue('cipher_requests_total', { op: 'encrypt', outcome: 'ok' });
    const ciphertext = await client.encrypt('counted', { context: 'a' });
    await expectCipherError(client.decrypt(ciphertext, { context: 'b' }), 'decrypt_failed');
    expect(await metricValue('cipher_requests_total', { op: 'encrypt', outcome: 'ok' })).toBe(before + 1);
    expect(await metricValue('cipher_requests_total', { op: 'decrypt', outcome: 'decrypt_failed' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue('cipher_request_duration_seconds_count', { op: 'encrypt', outcome: 'ok' })).toBeGreaterThan(before);
  });

  it('round-trips the largest plaintext whose ciphertext still fits a frame, and refuses a larger one', async () => {
    const large = 'x'.repeat(47_000);
    expect(await client.decrypt(await client.encrypt(large, { context: 'payment-large' }), { context: 'payment-large' })).toBe(large);
    await expectCipherError(client.encrypt('x'.repeat(50_000)), 'plaintext_too_large');
  });

  it('refuses an oversized request before sending it', async () => {
    const small = createCipherClient({ address: fixture.address, maxFrameBytes: 512 });
    await expectCipherError(small.encrypt('x'.repeat(1_000)), 'frame_too_large');
    expect(await small.encrypt('x'.repeat(100))).toMatch(/^mx1\./);
    small.close();
  });

  it('rejects calls after close with client_closed', async () => {
    const closing = createCipherClient({ address: fixture.address });
    await closing.encrypt('x');
    closing.close();
    await expectCipherError(closing.encrypt('y'), 'client_closed');
  });
});

describe('cipher client failures', () => {
  it('fails a call past its deadline with deadline_exceeded when the helper does not answer', async () => {
    // A peer that accepts and reads but never answers: a helper stuck mid-request.
    const held: Socket[] = [];
    const stalled: Server = createServer((socket) => held.push(socket.on('data', () => undefined)));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const port = (stalled.address() as { port: number }).port;
    const stuck = createCipherClient({ address: `127.0.0.1:${port}`, deadlineMs: 150 });
    try {
      const started = Date.now();
      await expectCipherError(stuck.encrypt('x'), 'deadline_exceeded');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      stuck.close();
      for (const socket of held) socket.destroy();
      stalled.close();
    }
  });

  it('fails with unavailable when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
    const nowhere = createCipherClient({ address: `127.0.0.1:${port}`, deadlineMs: 300 });
    const error = await expectCipherError(nowhere.encrypt('x'), 'unavailable');
    expect(error.message).toMatch(/could not connect/);
    nowhere.close();
  });

  it('reconnects after the helper restarts on the same address', async () => {
    const first = await startHelperFixture({}, ['k1']);
    const { port } = first.helper.server;
    const resilient = createCipherClient({ address: first.address, deadlineMs: 20_000 });
    try {
      const before = await resilient.encrypt('before restart');
      await first.helper.close();
      const second = await startHelperFixture({ port, keysDir: first.keysDir }, []);
      try {
        expect(await resilient.encrypt('after restart')).toMatch(/^mx1\.k1\./);
        expect(await resilient.decrypt(before)).toBe('before restart');
      } finally {
        await second.helper.close();
      }
    } finally {
      resilient.close();
      await first.close().catch(() => undefined);
    }
  });
});
