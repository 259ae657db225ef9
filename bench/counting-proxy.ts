// A TCP proxy in front of a server that counts, on the wire, what a client sends it:
// connections, and for Postgres the statements (simple queries and executes of the
// extended protocol). The operator benchmark points the operator's admin URLs
// through one, so its Postgres and RabbitMQ traffic is counted apart from the other
// clients of the shared servers, whatever the operator itself reports.
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Codes of the untyped messages that may open a Postgres connection before its StartupMessage. */
const sslRequest = 80877103;
const gssEncRequest = 80877104;

/**
 * Pure: counts the statements in a Postgres client's byte stream, fed in chunks as
 * they arrive. The stream opens with untyped messages (SSLRequest, then the
 * StartupMessage); every later message is a type byte and a length. 'Q' (a simple
 * query) and 'E' (an Execute) each count as one statement.
 */
export class PostgresStatementCounter {
  statements = 0;
  #buffer: Buffer = Buffer.alloc(0);
  #started = false;

  feed(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (!this.#started) {
        if (this.#buffer.length < 8) return;
        const length = this.#buffer.readInt32BE(0);
        if (this.#buffer.length < length) return;
        const code = this.#buffer.readInt32BE(4);
        if (code !== sslRequest && code !== gssEncRequest) this.#started = true;
        this.#buffer = this.#buffer.subarray(length);
        continue;
      }
      if (this.#buffer.length < 5) return;
      const length = this.#buffer.readInt32BE(1);
      if (this.#buffer.length < 1 + length) return;
      const type = String.fromCharCode(this.#buffer[0] ?? 0);
      if (type === 'Q' || type === 'E') this.statements++;
      this.#buffer = this.#buffer.subarray(1 + length);
    }
  }
}

export interface CountingProxy {
  readonly port: number;
  /** Connections the client opened through the proxy so far. */
  readonly connections: number;
  /** Statements sent so far (Postgres only; 0 otherwise). */
  readonly statements: number;
  close(): Promise<void>;
}

/** Listens on a free loopback port and forwards every connection to `target`. */
export async function countingProxy(target: { host: string; port: number }, protocol: 'postgres' | 'opaque'): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  const counters: PostgresStatementCounter[] = [];
  let connections = 0;
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    if (protocol === 'postgres') {
      const counter = new PostgresStatementCounter();
      counters.push(counter);
      client.on('data', (chunk: Buffer) => {
        counter.feed(chunk);
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the counting proxy has no TCP address');
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    get statements() {
      return counters.reduce((sum, c) => sum + c.statements, 0);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
