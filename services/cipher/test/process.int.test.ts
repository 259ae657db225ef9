// The helper as the process a Pod (or `npm run local`) runs: start-up checks, key
// reload on SIGHUP, clean exit on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCipherClient } from '@metrox/kit/cipher';

const main = join(import.meta.dirname, '..', 'src', 'main.ts');
let keysDir: string;

beforeAll(async () => {
  keysDir = await mkdtemp(join(tmpdir(), 'cipher-process-'));
  await writeFile(join(keysDir, 'k1'), randomBytes(32).toString('base64'));
});
afterAll(async () => {
  await rm(keysDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  waitFor(message: string): Promise<Record<string, unknown>>;
}

function run(env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, CIPHER_KEYS_DIR: keysDir, CIPHER_PORT: '0', CIPHER_OPS_HOST: '127.0.0.1', CIPHER_OPS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { message: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.message === line.msg)) waiter.resolve(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  return {
    child,
    lines,
    exited,
    waitFor: (message) => {
      const seen = lines.find((line) => line.msg === message);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ message, resolve });
        void exited.then((code) => { reject(new Error(`helper exited (${code ?? 'signal'}) before logging "${message}"`)); });
      });
    },
  };
}

describe('cipher helper process', () => {
  it('refuses to start on a non-loopback address', async () => {
    const helper = run({ CIPHER_HOST: '0.0.0.0' });
    expect(await helper.exited).toBe(1);
    expect(helper.lines).toContainEqual(expect.objectContaining({ level: 'fatal', msg: 'cipher helper failed to start' }));
    expect(JSON.stringify(helper.lines)).toMatch(/binds only to a loopback IP address/);
  });

  it('picks up a new key on SIGHUP and exits cleanly on SIGTERM', async () => {
    const helper = run({ CIPHER_KEY_RELOAD_INTERVAL_MS: '0' });
    const listening = await helper.waitFor('cipher helper listening');
    const client = createCipherClient({ address: String(listening.address), deadlineMs: 20_000 });
    try {
      const before = await client.call('encrypt', 'rider@okbank');
      expect(before.keyId).toBe('k1');
      await writeFile(join(keysDir, 'k2'), randomBytes(32).toString('base64'));
      helper.child.kill('SIGHUP');
      await helper.waitFor('primary key changed');
      expect((await client.call('encrypt', 'rider@okbank')).keyId).toBe('k2');
      expect(await client.decrypt(before.data)).toBe('rider@okbank');
    } finally {
      client.close();
      helper.child.kill('SIGTERM');
    }
    expect(await helper.exited).toBe(0);
  });
});
