// The TCP server. It listens on loopback only: plaintext crosses its socket, so it
// refuses any other address rather than trusting the deployment to get it right.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { isLoopbackIp } from '@metrox/kit/cipher';
import type { Logger } from 'pino';
import type { KeySource } from '../keys/key-directory.ts';
import type { CipherMetrics } from '../observability/metrics.ts';
import { serveConnection, type ConnectionLimits } from './connection.ts';

export interface CipherServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  keys: KeySource;
  limits: ConnectionLimits;
  maxConnections: number;
  metrics: CipherMetrics;
  logger: Logger;
}

export interface CipherServer {
  host: string;
  port: number;
  /** `host:port` as clients take it (CIPHER_ADDR). */
  address: string;
  /** Stops accepting, lets open connections finish what they sent, then closes them. */
  close(timeoutMs?: number): Promise<void>;
}

export class NonLoopbackAddressError extends Error {
  constructor(host: string) {
    super(`refusing to listen on "${host}": the cipher helper binds only to a loopback IP address (127.0.0.1 or ::1)`);
    this.name = 'NonLoopbackAddressError';
  }
}

export async function startCipherServer(options: CipherServerOptions): Promise<CipherServer> {
  if (!isLoopbackIp(options.host)) throw new NonLoopbackAddressError(options.host);
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, options);
  });
  server.maxConnections = options.maxConnections;
  server.on('drop', () => {
    options.logger.warn({ maxConnections: options.maxConnections }, 'connection dropped: too many connections');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  if (!isLoopbackIp(bound.address)) {
    server.close();
    throw new NonLoopbackAddressError(bound.address);
  }
  server.on('error', (error) => { options.logger.error({ err: error }, 'cipher server error'); });
  const address = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;

  return {
    host: bound.address,
    port: bound.port,
    address,
    async close(timeoutMs = 5_000) {
      const closed = new Promise<void>((resolve) => server.close(() => { resolve(); }));
      // Requests are answered as they arrive, so ending now loses nothing already received.
      for (const socket of sockets) socket.end();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, timeoutMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
