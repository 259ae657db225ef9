// A TCP proxy in front of a shared server (Postgres, RabbitMQ) that counts what one
// client sends through it: the connections it opens and the bytes it writes. On a
// server other test files share, that tells this client's traffic from theirs.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CountingProxy {
  /** 127.0.0.1:<port>, to put in the client's URL. */
  readonly host: string;
  /** Connections opened through the proxy so far. */
  readonly connections: number;
  /** Bytes the client sent to the server so far (any statement or command sends some). */
  readonly bytesToServer: number;
  /** `url` with its host replaced by the proxy's. */
  via(url: string): string;
  close(): Promise<void>;
}

export async function countingProxy(target: URL): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let bytesToServer = 0;
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(Number(target.port || (target.protocol.startsWith('amqp') ? 5672 : 5432)), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      bytesToServer += chunk.length;
    });
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no address');
  const host = `127.0.0.1:${String(address.port)}`;
  return {
    host,
    get connections() {
      return connections;
    },
    get bytesToServer() {
      return bytesToServer;
    },
    via(url: string) {
      const proxied = new URL(url);
      proxied.host = host;
      return proxied.href;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
