// Starts a real helper on a free loopback port with keys in a fresh temporary
// directory, and a raw frame-level connection for protocol tests.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, encodeMessage, FrameDecoder, parseResponse, type CipherRequest, type CipherResponse } from '@metrox/kit/cipher';
import { readConfig, type CipherConfig } from '../src/config.ts';
import { startCipherHelper, type CipherHelper } from '../src/helper.ts';
import { createCipherLogger } from '../src/observability/logger.ts';

export interface HelperFixture {
  helper: CipherHelper;
  address: string;
  keysDir: string;
  writeKey(id: string): Promise<void>;
  removeKey(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHelperFixture(overrides: Partial<CipherConfig> = {}, keyIds: string[] = ['k1']): Promise<HelperFixture> {
  const keysDir = overrides.keysDir ?? (await mkdtemp(join(tmpdir(), 'cipher-keys-')));
  const writeKey = (id: string) => writeFile(join(keysDir, id), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  for (const id of keyIds) await writeKey(id);
  const config: CipherConfig = {
    ...readConfig({}),
    host: '127.0.0.1',
    port: 0,
    opsHost: '127.0.0.1',
    opsPort: 0,
    keyReloadIntervalMs: 0,
    ...overrides,
    keysDir,
  };
  const helper = await startCipherHelper(config, createCipherLogger(process.env.CIPHER_TEST_LOG_LEVEL ?? 'silent'));
  return {
    helper,
    address: helper.server.address,
    keysDir,
    writeKey,
    removeKey: (id) => rm(join(keysDir, id)),
    async close() {
      await helper.close();
      if (overrides.keysDir === undefined) await rm(keysDir, { recursive: true, force: true });
    },
  };
}

/** A client speaking frames by hand, to send what a well-behaved client never would. */
export interface RawConnection {
  socket: Socket;
  send(request: CipherRequest): void;
  write(bytes: Buffer): Promise<void>;
  next(): Promise<CipherResponse>;
  /** Resolves when the server ends the connection. */
  ended: Promise<void>;
}

export const frameOf = (request: CipherRequest | Record<string, unknown>) => encodeFrame(Buffer.from(JSON.stringify(request)));

export async function rawConnection(port: number): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const decoder = new FrameDecoder(1024 * 1024);
  const received: CipherResponse[] = [];
  const waiting: ((response: CipherResponse) => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const body of decoder.push(chunk)) {
      const parsed = parseResponse(body);
      if (!parsed.ok) throw new Error(`server sent a bad response: ${parsed.message}`);
      const waiter = waiting.shift();
      if (waiter) waiter(parsed.value);
      else received.push(parsed.value);
    }
  });
  socket.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => socket.once('end', resolve));
  return {
    socket,
    send: (request) => {
      socket.write(encodeFrame(encodeMessage(request)));
    },
    write: (bytes) =>
      new Promise((resolve, reject) => {
        socket.write(bytes, (error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
    next: () => {
      const ready = received.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    ended,
  };
}
