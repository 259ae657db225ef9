// The operator's database and broker wiring against the real platform Postgres and
// RabbitMQ. Names carry a random suffix: other test files share both servers. Each
// test reads only services it or the suite's setup created, so any order passes.
import { CoreV1Api } from '@kubernetes/client-node';
import type { ControlPlaneAccess } from '@metrox/test/control-plane';
import { endpoints } from '@metrox/test/endpoints';
import { startTcpProxy, type TcpProxy } from '@metrox/test/tcp-proxy';
import { consumerQueues, defaultRetryPolicy } from '@metrox/contracts/broker-topology';
import amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion, kind } from '../api/metroxservice.ts';
import { conditionOf, eventsAbout, type mxsClient, waitFor } from '../testing/kube.ts';
import { operatorTestbed, type OperatorProcess, type OperatorTestbed } from '../testing/operator-process.ts';
import { removeWiring, wiringEnv } from '../testing/wiring.ts';

/** The suite's namespace on the shared control plane (uniquely named). */
let namespace: string;
const suffix = randomBytes(3).toString('hex');
const exchange = `metrox.events.wiring_${suffix}`;
const names = { payment: `payment-${suffix}`, notification: `notification-${suffix}`, late: `late-${suffix}`, kept: `kept-${suffix}`, dropped: `dropped-${suffix}` };
const databases = { payment: `wiring_payment_${suffix}`, notification: `wiring_notification_${suffix}`, late: `wiring_late_${suffix}`, kept: `wiring_kept_${suffix}`, dropped: `wiring_dropped_${suffix}` };

describe('the operator wires services to the platform Postgres and RabbitMQ', () => {
  const infra = endpoints();
  const postgresUrl = new URL(infra.DATABASE_URL);
  const admin = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
  let proxy: TcpProxy;
  let testbed: OperatorTestbed;
  let cp: ControlPlaneAccess;
  let operator: OperatorProcess;
  let mxs: ReturnType<typeof mxsClient>;
  let core: CoreV1Api;
  let broker: amqp.ChannelModel;

  beforeAll(async () => {
    proxy = await startTcpProxy(postgresUrl);
    testbed = await operatorTestbed('wiring');
    ({ cp, core, mxs, namespace } = testbed);
    operator = await testbed.startOperator({
      ...wiringEnv(infra, exchange, proxy.via(infra.DATABASE_URL)),
      // Services reach Postgres directly; only the operator's admin traffic goes through the proxy.
      METROX_POSTGRES_SERVICE_HOST: postgresUrl.host,
    });
    broker = await amqp.connect(infra.AMQP_URL);
    // Two wired services the reading tests share; none of them changes or deletes these.
    await createPair(names.payment, databases.payment, names.notification, databases.notification);
    await Promise.all([wired(names.payment), wired(names.notification)]);
  });
  afterAll(async () => {
    await operator.stop();
    await testbed.close();
    await proxy.down();
    await removeWiring(admin, broker, { queues: Object.values(names), exchanges: [exchange], databases: Object.values(databases) });
    await broker.close();
    await admin.end();
  });

  const wired = (name: string) =>
    waitFor(`${name} wired`, async () => {
      const current = await mxs.get(namespace, name);
      const ready = ['DatabaseReady', 'BrokerReady'].every((type) => conditionOf(current, type)?.status === 'True');
      return ready && current.status?.observedGeneration === current.metadata.generation ? current : undefined;
    });

  /** A Retain service publishing PaymentConfirmed and consuming TransactionCreated, and a Delete one consuming PaymentConfirmed. */
  async function createPair(retained: string, retainedDatabase: string, deleted: string, deletedDatabase: string): Promise<void> {
    await mxs.create(namespace, {
      apiVersion, kind, metadata: { name: retained },
      spec: { image: 'img:1', database: { name: retainedDatabase, deletionPolicy: 'Retain' }, events: { publishes: ['PaymentConfirmed'], subscribes: ['TransactionCreated'] } },
    });
    await mxs.create(namespace, {
      apiVersion, kind, metadata: { name: deleted },
      spec: { image: 'img:1', database: { name: deletedDatabase, deletionPolicy: 'Delete' }, events: { subscribes: ['PaymentConfirmed'] } },
    });
  }

  const databaseExists = async (name: string) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;

  it('creates a database whose role logs in with the Secret\'s password and is refused another service\'s database', async () => {
    const payment = await wired(names.payment);
    expect(payment.status?.database).toEqual({ name: databases.payment, secretName: `${names.payment}-database` });

    const secret = await core.readNamespacedSecret({ namespace, name: `${names.payment}-database` });
    const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
    expect(data).toMatchObject({ PGHOST: postgresUrl.hostname, PGPORT: postgresUrl.port, PGDATABASE: databases.payment, PGUSER: databases.payment });
    const own = new pg.Client({ connectionString: data.DATABASE_URL });
    await own.connect();
    try {
      expect((await own.query<{ user: string }>('SELECT current_user AS user')).rows[0]?.user).toBe(databases.payment);
    } finally {
      await own.end();
    }
    const foreign = new pg.Client({ host: data.PGHOST, port: Number(data.PGPORT), user: data.PGUSER, password: data.PGPASSWORD, database: databases.notification });
    const refused = await foreign.connect().then(() => 'connected', (error: unknown) => (error as { code?: string }).code);
    await foreign.end().catch(() => undefined);
    expect(refused).toBe('42501'); // insufficient_privilege: CONNECT was revoked from PUBLIC
  });

  it('routes a published TransactionCreated to the payment queue and not the notification queue', async () => {
    const channel = await broker.createChannel();
    try {
      channel.publish(exchange, 'TransactionCreated', Buffer.from(JSON.stringify({ type: 'TransactionCreated', id: suffix })), { persistent: true });
      const delivered = await waitFor('the event in the payment queue', async () => {
        const message = await channel.get(names.payment, { noAck: true });
        return message === false ? undefined : message;
      });
      expect(delivered.fields.routingKey).toBe('TransactionCreated');
      expect((await channel.checkQueue(names.notification)).messageCount).toBe(0);
      expect(await channel.get(names.notification, { noAck: true })).toBe(false);
    } finally {
      await channel.close();
    }
  });

  it('reports DatabaseReady=False while Postgres is unreachable and recovers by itself', async () => {
    await proxy.down();
    try {
      await mxs.create(namespace, { apiVersion, kind, metadata: { name: names.late }, spec: { image: 'img:1', database: { name: databases.late, deletionPolicy: 'Delete' } } });
      const failing = await waitFor('DatabaseReady=False', async () => {
        const current = await mxs.get(namespace, names.late);
        return conditionOf(current, 'DatabaseReady')?.status === 'False' ? conditionOf(current, 'DatabaseReady') : undefined;
      });
      expect(failing).toMatchObject({ reason: 'DatabaseUnreachable', message: expect.stringContaining('retries') as unknown });
      // Failing from the start is worth a Warning, though there was no earlier status.
      const warning = await waitFor('a Warning Event', async () => (await eventsAbout(cp.kubeConfig, namespace, names.late)).find((e) => e.reason === 'DatabaseUnreachable'));
      expect(warning).toMatchObject({ type: 'Warning', note: expect.stringContaining('DatabaseReady=False') as unknown });
    } finally {
      await proxy.up();
    }
    await wired(names.late);
    expect(await databaseExists(databases.late)).toBe(true);
  });

  it('keeps a Retain database, drops a Delete one, removes every queue (retry queues included) and releases the finalizer', async () => {
    const gone = (name: string) => waitFor(`${name} deleted`, async () => mxs.get(namespace, name).then(() => false, () => true));
    const queueExists = async (name: string) => {
      const channel = await broker.createChannel();
      channel.on('error', () => undefined);
      return channel.checkQueue(name).then(async () => {
        await channel.close();
        return true;
      }, () => false);
    };
    await createPair(names.kept, databases.kept, names.dropped, databases.dropped);
    await Promise.all([wired(names.kept), wired(names.dropped)]);
    const keptQueues = consumerQueues({ queue: names.kept, retry: defaultRetryPolicy }).map((queue) => queue.name);
    expect(keptQueues.filter((name) => name.includes('.retry.')).length).toBeGreaterThan(0);
    for (const name of keptQueues) expect(await queueExists(name), `${name} before`).toBe(true);
    expect((await mxs.get(namespace, names.kept)).metadata.finalizers).toContain('metrox.io/cleanup');
    await mxs.delete(namespace, names.kept);
    await mxs.delete(namespace, names.dropped);
    await Promise.all([gone(names.kept), gone(names.dropped)]);
    expect(await databaseExists(databases.kept)).toBe(true);
    expect(await databaseExists(databases.dropped)).toBe(false);
    for (const name of keptQueues) expect(await queueExists(name), `${name} after`).toBe(false);
  });
});
