// A service whose RabbitMQ connection is closed by the broker: it is not ready while it
// cannot reconnect, keeps events in the outbox meanwhile, reconnects with backoff,
// re-declares its topology, resumes its consumer and applies every event exactly once.
// The broker is real; its management API closes the connection and, to hold the service
// disconnected for as long as the test needs, refuses a dedicated user for a while.
import { endpoints } from '@metrox/test/endpoints';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, testBroker, uniqueSuffix, type TestBroker, type TestDatabase } from '../testing/infra.ts';
import { startPurchaseProbe, type PurchaseProbe } from '../testing/purchase-probe.ts';

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

describe('a service when RabbitMQ drops its connection', () => {
  let database: TestDatabase;
  let target: TestBroker;
  let probe: PurchaseProbe;
  const user = `kit-reconnect-${uniqueSuffix()}`;
  const consumer = `kit-reconnect-${uniqueSuffix()}`;

  beforeAll(async () => {
    await manage('PUT', `/api/users/${user}`, { password: 'reconnect', tags: '' });
    await allowUser(user);
    database = await createTestDatabase();
    target = testBroker('rabbitmq');
    const amqpUrl = new URL(target.config.url);
    amqpUrl.username = user;
    amqpUrl.password = 'reconnect';
    probe = await startPurchaseProbe({
      name: 'kit-reconnect-test',
      consumer,
      env: {
        ...target.env,
        AMQP_URL: amqpUrl.toString(),
        DATABASE_URL: database.url,
      },
    });
  });

  afterAll(async () => {
    await allowUser(user).catch(() => undefined);
    await probe.service.stop();
    await manage('DELETE', `/api/users/${user}`);
    await target.cleanup([consumer]);
    await database.drop();
  });

  it('is not ready while disconnected, keeps events pending in the outbox, then reconnects, resumes and applies each event once', async () => {
    await probe.buy('before');
    await eventually(() => probe.applied('before'), (n) => n === 1);
    expect((await probe.readiness()).status).toBe(200);

    // The broker closes the connection and refuses the user until allowed again.
    await refuseUser(user);
    await eventually(() => closeConnectionsOf(user), (n) => n > 0);
    const notReady = await eventually(probe.readiness, (r) => r.status === 503);
    expect(notReady.body.checks).toMatchObject({ broker: false, database: true });

    // Published while disconnected: the outbox keeps it, the relay keeps trying.
    await probe.buy('during');
    const { rows } = await probe.service.kit.pool.query<{ id: string }>("SELECT id FROM metrox_outbox WHERE envelope->'data'->>'transactionId' = 'during'");
    const eventId = rows[0]?.id;
    expect(eventId).toBeDefined();
    const attempts = async () => {
      const result = await probe.service.kit.pool.query<{ published: boolean; attempts: number }>(
        'SELECT published_at IS NOT NULL AS published, publish_attempts AS attempts FROM metrox_outbox WHERE id = $1',
        [eventId],
      );
      return result.rows[0];
    };
    expect(await eventually(attempts, (row) => (row?.attempts ?? 0) >= 2)).toMatchObject({ published: false });
    // Logged by the reconnect loop, which runs on its own timer beside the relay's retries.
    await eventually(() => Promise.resolve(probe.lines.some((line) => line.msg === 'RabbitMQ reconnect failed')), (seen) => seen);

    await allowUser(user);
    await eventually(probe.readiness, (r) => r.status === 200);
    await eventually(() => Promise.resolve(probe.lines.some((line) => typeof line.msg === 'string' && line.msg.startsWith('RabbitMQ reconnected'))), (seen) => seen);
    await eventually(() => probe.applied('during'), (n) => n === 1);
    expect(await attempts()).toMatchObject({ published: true });

    // A last event behind the others: once it is applied, any redelivery before it was seen.
    await probe.buy('after');
    await eventually(() => probe.applied('after'), (n) => n === 1);
    expect(await probe.applied('before')).toBe(1);
    expect(await probe.applied('during')).toBe(1);
  });
});
