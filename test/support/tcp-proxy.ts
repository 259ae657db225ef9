// A TCP proxy in front of a shared server (Postgres, RabbitMQ) that counts, on the
// wire, what one client sends through it: connections, bytes, and for Postgres the
// statements (simple queries and executes of the extended protocol). Pointing one
// client's URL through it tells its traffic from the other clients of the server,
// whatever the client itself reports; taking it down and up again on the same port
// is an outage of the server as that client sees it.
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

export interface TcpProxy {
  /** Its loopback port (the same across down and up). */
  readonly port: number;
  /** Connections the client opened through the proxy so far. */
  readonly connections: number;
  /** Bytes the client sent to the server so far (any statement or command sends some). */
  readonly bytesToServer: number;
  /** Postgres statements sent so far (0 unless started with `countPostgresStatements`). */
  readonly statements: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Stops listening and cuts every connection through it: the server is gone, for this client. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on a loopback port (free, or `port`) and forwards every connection to `target`'s host and port. */
export async function startTcpProxy(target: URL, options: { port?: number; countPostgresStatements?: boolean } = {}): Promise<TcpProxy> {
  const targetPort = Number(target.port || (target.protocol.startsWith('amqp') ? 5672 : 5432));
  const sockets = new Set<Socket>();
  const counters: PostgresStatementCounter[] = [];
  let connections = 0;
  let bytesToServer = 0;
  let server: Server | undefined;
  let port = options.port ?? 0;
  const up = async () => {
    const listening: Server = createServer((client) => {
      connections++;
      const upstream = connect(targetPort, target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      const counter = options.countPostgresStatements === true ? new PostgresStatementCounter() : undefined;
      if (counter !== undefined) counters.push(counter);
      client.on('data', (chunk: Buffer) => {
        bytesToServer += chunk.length;
        counter?.feed(chunk);
      });
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', resolve);
    });
    const address = listening.address();
    if (address === null || typeof address === 'string') throw new Error('the TCP proxy has no TCP address');
    port = address.port;
    server = listening;
  };
  const down = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing !== undefined) await new Promise((resolve) => closing.close(resolve));
  };
  await up();
  return {
    get port() {
      return port;
    },
    get connections() {
      return connections;
    },
    get bytesToServer() {
      return bytesToServer;
    },
    get statements() {
      return counters.reduce((sum, c) => sum + c.statements, 0);
    },
    via(url: string) {
      const proxied = new URL(url);
      proxied.host = `127.0.0.1:${String(port)}`;
      return proxied.href;
    },
    down,
    up,
    close: down,
  };
}
