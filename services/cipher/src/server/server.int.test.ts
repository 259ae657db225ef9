// The helper over real loopback TCP, frame by frame: what arrives split, merged,
// oversized, malformed, tampered or unfinished, and what it does about it.
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '@metrox/kit/cipher';
import { frameOf, rawConnection, startHelperFixture, type HelperFixture } from '../../test/helper-fixture.ts';
import { createCipherLogger } from '../observability/logger.ts';
import { createCipherMetrics } from '../observability/metrics.ts';
import { NonLoopbackAddressError, startCipherServer } from './server.ts';
import { buildKeyring, createKey } from '../keys/keyring.ts';
import { staticKeySource } from '../keys/key-directory.ts';
import { randomBytes } from 'node:crypto';

let fixture: HelperFixture;

beforeAll(async () => {
  fixture = await startHelperFixture({ maxFrameBytes: 4096, requestTimeoutMs: 300, idleTimeoutMs: 60_000 });
});
afterAll(async () => {
  await fixture.close();
});

const port = () => fixture.helper.server.port;

describe('cipher server framing', () => {
  it('answers a request split byte by byte', async () => {
    const connection = await rawConnection(port());
    const frame = frameOf({ id: 1, op: 'encrypt', data: 'upi:rider@okbank' });
    for (const byte of frame) await connection.write(Buffer.from([byte]));
    const encrypted = await connection.next();
    expect(encrypted).toMatchObject({ id: 1, ok: true, keyId: 'k1' });
    if (!encrypted.ok) throw new Error('encrypt failed');

    // And the answer to a split decrypt brings the plaintext back.
    const decryptFrame = frameOf({ id: 2, op: 'decrypt', data: encrypted.data });
    for (const byte of decryptFrame) await connection.write(Buffer.from([byte]));
    expect(await connection.next()).toEqual({ id: 2, ok: true, data: 'upi:rider@okbank', keyId: 'k1' });
    connection.socket.end();
  });

  it('answers requests merged back to back in one write, in order', async () => {
    const connection = await rawConnection(port());
    const plaintexts = Array.from({ length: 50 }, (_, i) => `card_tok_${i}`);
    await connection.write(Buffer.concat(plaintexts.map((data, id) => frameOf({ id, op: 'encrypt', data }))));
    const ciphertexts: string[] = [];
    for (let id = 0; id < plaintexts.length; id++) {
      const response = await connection.next();
      expect(response).toMatchObject({ id, ok: true });
      if (response.ok) ciphertexts.push(response.data);
    }
    await connection.write(Buffer.concat(ciphertexts.map((data, id) => frameOf({ id, op: 'decrypt', data }))));
    for (let id = 0; id < plaintexts.length; id++) {
      expect(await connection.next()).toMatchObject({ id, ok: true, data: plaintexts[id] });
    }
    connection.socket.end();
  });

  it('refuses an oversized frame with frame_too_large and closes the connection cleanly', async () => {
    const connection = await rawConnection(port());
    const header = Buffer.alloc(4);
    header.writeUInt32BE(4097);
    await connection.write(header);
    expect(await connection.next()).toMatchObject({ id: null, ok: false, error: { code: 'frame_too_large' } });
    await connection.ended;
    // The server itself is unharmed.
    const other = await rawConnection(port());
    other.send({ id: 1, op: 'encrypt', data: 'still here' });
    expect(await other.next()).toMatchObject({ id: 1, ok: true });
    other.socket.end();
  });

  it('answers a malformed frame with bad_request and keeps the connection usable', async () => {
    const connection = await rawConnection(port());
    await connection.write(encodeFrame(Buffer.from('{not json')));
    expect(await connection.next()).toMatchObject({ id: null, ok: false, error: { code: 'bad_request' } });
    await connection.write(frameOf({ id: 7, op: 'sign', data: 'x' }));
    expect(await connection.next()).toMatchObject({ id: 7, ok: false, error: { code: 'bad_request', message: /op must be/ } });
    connection.send({ id: 8, op: 'encrypt', data: 'after the bad ones' });
    expect(await connection.next()).toMatchObject({ id: 8, ok: true });
    connection.socket.end();
  });

  it('answers a tampered ciphertext with decrypt_failed and keeps the connection usable', async () => {
    const connection = await rawConnection(port());
    connection.send({ id: 1, op: 'encrypt', data: 'card_tok_4242', context: 'payment-1' });
    const sealed = await connection.next();
    if (!sealed.ok) throw new Error('encrypt failed');
    const [prefix, keyId, encoded = ''] = sealed.data.split('.');
    const body = Buffer.from(encoded, 'base64url');
    body.writeUInt8(body.readUInt8(20) ^ 0x80, 20);
    connection.send({ id: 2, op: 'decrypt', data: `${prefix ?? ''}.${keyId ?? ''}.${body.toString('base64url')}`, context: 'payment-1' });
    expect(await connection.next()).toMatchObject({ id: 2, ok: false, error: { code: 'decrypt_failed' } });
    connection.send({ id: 3, op: 'decrypt', data: sealed.data, context: 'payment-2' });
    expect(await connection.next()).toMatchObject({ id: 3, ok: false, error: { code: 'decrypt_failed' } });
    connection.send({ id: 4, op: 'decrypt', data: sealed.data, context: 'payment-1' });
    expect(await connection.next()).toEqual({ id: 4, ok: true, data: 'card_tok_4242', keyId: 'k1' });
    connection.socket.end();
  });

  it('closes a connection whose frame does not complete within the request timeout', async () => {
    const connection = await rawConnection(port());
    await connection.write(frameOf({ id: 1, op: 'encrypt', data: 'never finished' }).subarray(0, 10));
    expect(await connection.next()).toMatchObject({ id: null, ok: false, error: { code: 'request_timeout' } });
    await connection.ended;
  });

  it('survives random bytes on many connections and keeps serving', async () => {
    const garbage = await Promise.all(Array.from({ length: 20 }, () => rawConnection(port())));
    await Promise.all(garbage.map((connection, i) => connection.write(i % 2 ? randomBytes(64) : encodeFrame(randomBytes(64)))));
    for (const connection of garbage) connection.socket.destroy();
    const connection = await rawConnection(port());
    connection.send({ id: 1, op: 'encrypt', data: 'after the noise' });
    expect(await connection.next()).toMatchObject({ id: 1, ok: true });
    connection.socket.end();
  });
});

describe('cipher server connections', () => {
  it('closes an idle connection', async () => {
    const idle = await startHelperFixture({ idleTimeoutMs: 200 });
    try {
      const connection = await rawConnection(idle.helper.server.port);
      connection.send({ id: 1, op: 'encrypt', data: 'x' });
      await connection.next();
      await connection.ended;
    } finally {
      await idle.close();
    }
  });
});

describe('cipher server bind address', () => {
  const keys = staticKeySource(buildKeyring([createKey('k1', randomBytes(32))]));
  const start = (host: string) =>
    startCipherServer({
      host,
      port: 0,
      keys,
      limits: { maxFrameBytes: 1024, idleTimeoutMs: 1000, requestTimeoutMs: 1000 },
      maxConnections: 10,
      metrics: createCipherMetrics(),
      logger: createCipherLogger('silent'),
    });

  const outward = Object.values(networkInterfaces())
    .flat()
    .filter((info) => info !== undefined && !info.internal)
    .map((info) => info?.address ?? '');

  it.each(['0.0.0.0', '::', 'localhost', '::ffff:10.0.0.1', ...outward])('refuses to listen on %s', async (host) => {
    await expect(start(host)).rejects.toThrow(NonLoopbackAddressError);
  });

  it.each(['127.0.0.1', '::1'])('listens on loopback %s', async (host) => {
    const server = await start(host);
    expect(server.host).toBe(host);
    await server.close();
  });
});
