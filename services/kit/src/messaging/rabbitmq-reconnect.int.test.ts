// A service whose RabbitMQ connection is closed by the broker: it is not ready while it
// cannot reconnect, keeps events in the outbox meanwhile, reconnects with backoff,
// re-declares its topology, resumes its consumer and applies every event exactly once.
// The broker is real; its management API closes the connection and, to hold the service
// disconnected for as long as the test needs, refuses a dedicated user for a while.
import { endpoints } from '@metrox/test/endpoints';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../service.ts';
import { createTestDatabase, eventually, testBroker, uniqueSuffix, type TestBroker, type TestDatabase } from '../testing/infra.ts';

const management = new URL(endpoints().RABBITMQ_MANAGEMENT_URL);
const managementAuth = `Basic ${Buffer.from(`${decodeURIComponent(management.username)}:${decodeURIComponent(management.password)}`).toString('base64')}`;

async function manage(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(new URL(path, management.origin), {
    method,
    headers: { authorization: managementAuth, 'content-type': 'application/json', 'x-reason': 'kit reconnect test' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok && response.status !== 404) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

const allowUser = (user: string) => manage('PUT', `/api/permissions/%2F/${user}`, { configure: '.*', write: '.*', read: '.*' });
const refuseUser = (user: string) => manage('DELETE', `/api/permissions/%2F/${user}`);

async function closeConnectionsOf(user: string): Promise<number> {
  const connections = (await (await manage('GET', '/api/connections')).json()) as { name: string; user: string }[];
  const mine = connections.filter((connection) => connection.user === user);
  for (const connection of mine) await manage('DELETE', `/api/connections/${encodeURIComponent(connection.name)}`);
  return mine.length;
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

describe('a service when RabbitMQ drops its connection', () => {
  let database: TestDatabase;
  let target: TestBroker;
  let service: Service;
  let base: string;
  const user = `kit-reconnect-${uniqueSuffix()}`;
  const consumer = `kit-reconnect-${uniqueSuffix()}`;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    await manage('PUT', `/api/users/${user}`, { password: 'reconnect', tags: '' });
    await allowUser(user);
    database = await createTestDatabase();
    target = testBroker('rabbitmq');
    const amqpUrl = new URL(target.config.url);
    amqpUrl.username = user;
    amqpUrl.password = 'reconnect';
    service = await createService({
      name: 'kit-reconnect-test',
      env: {
        ...target.env,
        AMQP_URL: amqpUrl.toString(),
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
    await allowUser(user).catch(() => undefined);
    await service.stop();
    await manage('DELETE', `/api/users/${user}`);
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

  it('is not ready while disconnected, keeps events pending in the outbox, then reconnects, resumes and applies each event once', async () => {
    await buy('before');
    await eventually(() => applied('before'), (n) => n === 1);
    expect((await readiness()).status).toBe(200);

    // The broker closes the connection and refuses the user until allowed again.
    await refuseUser(user);
    await eventually(() => closeConnectionsOf(user), (n) => n > 0);
    const notReady = await eventually(readiness, (r) => r.status === 503);
    expect(notReady.body.checks).toMatchObject({ broker: false, database: true });

    // Published while disconnected: the outbox keeps it, the relay keeps trying.
    await buy('during');
    const { rows } = await service.kit.pool.query<{ id: string }>("SELECT id FROM metrox_outbox WHERE envelope->'data'->>'transactionId' = 'during'");
    const eventId = rows[0]?.id;
    expect(eventId).toBeDefined();
    const attempts = async () => {
      const result = await service.kit.pool.query<{ published: boolean; attempts: number }>(
        'SELECT published_at IS NOT NULL AS published, publish_attempts AS attempts FROM metrox_outbox WHERE id = $1',
        [eventId],
      );
      return result.rows[0];
    };
    expect(await eventually(attempts, (row) => (row?.attempts ?? 0) >= 2)).toMatchObject({ published: false });
    expect(lines.some((line) => line.msg === 'RabbitMQ reconnect failed')).toBe(true);

    await allowUser(user);
    await eventually(readiness, (r) => r.status === 200);
    expect(lines.some((line) => typeof line.msg === 'string' && line.msg.startsWith('RabbitMQ reconnected'))).toBe(true);
    await eventually(() => applied('during'), (n) => n === 1);
    expect(await attempts()).toMatchObject({ published: true });

    // A last event behind the others: once it is applied, any redelivery before it was seen.
    await buy('after');
    await eventually(() => applied('after'), (n) => n === 1);
    expect(await applied('before')).toBe(1);
    expect(await applied('during')).toBe(1);
  });
});
