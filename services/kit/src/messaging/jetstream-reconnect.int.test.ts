// A service whose NATS connection drops: not ready while the client reconnects, events
// published meanwhile reach the stream once the connection is back, consumers resume and
// every event is applied exactly once. NATS is real; a TCP relay in front of it cuts the
// connection and refuses new ones for as long as the test needs.
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../service.ts';
import { createTestDatabase, eventually, testBroker, uniqueSuffix, type TestBroker, type TestDatabase } from '../testing/infra.ts';

interface Cuttable {
  url: string;
  /** Closes every relayed connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function relayTo(upstream: URL): Promise<Cuttable> {
  let refusing = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const server = tcpConnect(Number(upstream.port), upstream.hostname);
    for (const [from, to] of [
      [client, server],
      [server, client],
    ] as const) {
      open.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        open.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `nats://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      refusing = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      refusing = false;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const purchase = (id: string) => ({
  transactionId: id,
  riderId: 'rider-1',
  fromStation: 'A',
  toStation: 'B',
  paymentMethod: 'card' as const,
  fareCents: 1_000,
  currency: 'INR',
  createdAt: new Date().toISOString(),
});

describe('a service when its NATS connection drops', () => {
  let database: TestDatabase;
  let target: TestBroker;
  let relay: Cuttable;
  let service: Service;
  let base: string;
  const consumer = `kit-nats-reconnect-${uniqueSuffix()}`;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    target = testBroker('nats');
    relay = await relayTo(new URL(target.config.url));
    service = await createService({
      name: 'kit-nats-reconnect-test',
      env: {
        ...target.env,
        NATS_URL: relay.url,
        DATABASE_URL: database.url,
        HOST: '127.0.0.1',
        PORT: '0',
        GRPC_PORT: '0',
        OUTBOX_POLL_INTERVAL_MS: '100',
        LOG_LEVEL: 'info',
      },
      logDestination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
      migrations: [{ id: '001_applied', sql: 'CREATE TABLE applied (transaction_id text NOT NULL)' }],
      routes(app, kit) {
        app.post('/v1/purchases/:id', async (request, reply) => {
          const { id } = request.params as { id: string };
          await kit.withTransaction((tx) => kit.publish(tx, 'TransactionCreated', purchase(id)));
          return reply.code(201).send({ id });
        });
      },
      events: {
        consumer,
        handlers: {
          async TransactionCreated(data, ctx) {
            // No unique constraint: only the inbox stands between a redelivery and a second row.
            await ctx.tx.query('INSERT INTO applied (transaction_id) VALUES ($1)', [data.transactionId]);
          },
        },
      },
    });
    base = `http://127.0.0.1:${(await service.start()).httpPort}`;
  });

  afterAll(async () => {
    relay.restore();
    await service.stop();
    await relay.close();
    await target.cleanup([consumer]);
    await database.drop();
  });

  const applied = async (id: string) => {
    const { rows } = await service.kit.pool.query<{ n: string }>('SELECT count(*) AS n FROM applied WHERE transaction_id = $1', [id]);
    return Number(rows[0]?.n ?? 0);
  };
  const readiness = async () => {
    const response = await fetch(`${base}/readyz`);
    return { status: response.status, body: (await response.json()) as { checks?: Record<string, boolean> } };
  };
  const buy = async (id: string) => {
    const response = await fetch(`${base}/v1/purchases/${id}`, { method: 'POST' });
    expect(response.status).toBe(201);
  };

  it('is not ready while disconnected, then reconnects, resumes its consumer and applies each event once', async () => {
    await buy('before');
    await eventually(() => applied('before'), (n) => n === 1);
    expect((await readiness()).status).toBe(200);

    relay.cut();
    const notReady = await eventually(readiness, (r) => r.status === 503);
    expect(notReady.body.checks).toMatchObject({ broker: false, database: true });
    await buy('during');
    const pending = await service.kit.pool.query<{ n: string }>("SELECT count(*) AS n FROM metrox_outbox WHERE published_at IS NULL AND envelope->'data'->>'transactionId' = 'during'");
    expect(Number(pending.rows[0]?.n)).toBe(1);

    relay.restore();
    await eventually(readiness, (r) => r.status === 200);
    expect(lines.some((line) => line.msg === 'NATS reconnected; consumers resume')).toBe(true);
    await eventually(() => applied('during'), (n) => n === 1);

    await buy('after');
    await eventually(() => applied('after'), (n) => n === 1);
    expect(await applied('before')).toBe(1);
    expect(await applied('during')).toBe(1);
  });
});
