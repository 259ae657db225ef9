// Two namespaces, one MetroXService name: database, role and queue are named after
// it, so the second service must be refused them, without touching the first's
// password, and deleting it must not delete what the first owns. Against the real
// platform Postgres and RabbitMQ; names carry a random suffix (shared servers).
//
// A control plane of its own: the collision spans two namespaces, so the operator
// watches every namespace, and on the shared control plane it would reconcile the
// other suites' MetroXServices too.
import { CoreV1Api } from '@kubernetes/client-node';
import type { ControlPlane } from '@metrox/test/control-plane';
import { endpoints } from '@metrox/test/endpoints';
import amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion, kind, type MetroXService } from '../api/metroxservice.ts';
import { conditionOf, type mxsClient, waitFor } from '../testing/kube.ts';
import { privateOperatorTestbed, startOperator, type OperatorProcess } from '../testing/operator-process.ts';
import { removeWiring, wiringEnv } from '../testing/wiring.ts';
import { ownerMarker } from './broker.ts';

const suffix = randomBytes(3).toString('hex');
// Each test claims a name of its own, so they pass in either order.
const claimed = { reported: { name: `ledger-${suffix}`, database: `ledger_${suffix}` }, released: { name: `till-${suffix}`, database: `till_${suffix}` } };
const exchange = `metrox.events.ownership_${suffix}`;
const [first, second] = ['team-a', 'team-b'];

describe('a MetroXService name used in two namespaces', () => {
  const infra = endpoints();
  const admin = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
  let cp: ControlPlane;
  let operator: OperatorProcess;
  let mxs: ReturnType<typeof mxsClient>;
  let core: CoreV1Api;
  let broker: amqp.ChannelModel;

  beforeAll(async () => {
    let kubeconfig: string;
    ({ cp, core, mxs, kubeconfig } = await privateOperatorTestbed([first, second]));
    operator = await startOperator(kubeconfig, wiringEnv(infra, exchange));
    broker = await amqp.connect(infra.AMQP_URL);
  });
  afterAll(async () => {
    await operator.stop();
    await cp.stop();
    const all = Object.values(claimed);
    await removeWiring(admin, broker, { queues: all.map((c) => c.name), exchanges: [exchange, ...all.map((c) => ownerMarker(c.name))], databases: all.map((c) => c.database) });
    await broker.close();
    await admin.end();
  });

  const spec = (database: string) => ({ image: 'img:1', database: { name: database, deletionPolicy: 'Delete' }, events: { subscribes: ['TransactionCreated'] } });
  const settled = (namespace: string, name: string, check: (current: MetroXService) => boolean) =>
    waitFor(`${namespace}/${name} settled`, async () => {
      const current = await mxs.get(namespace, name);
      return current.status?.observedGeneration === current.metadata.generation && check(current) ? current : undefined;
    }, 45_000);
  const queueExists = async (queue: string) => {
    const channel = await broker.createChannel();
    channel.on('error', () => undefined);
    return channel.checkQueue(queue).then(async () => {
      await channel.close();
      return true;
    }, () => false);
  };
  const firstLogsIn = async (name: string) => {
    const secret = await core.readNamespacedSecret({ namespace: first, name: `${name}-database` });
    const url = Buffer.from(secret.data?.DATABASE_URL ?? '', 'base64').toString('utf8');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.end();
    return true;
  };

  /** The name taken in the first namespace, then in the second: the second's refusal once settled. */
  async function collide({ name, database }: { name: string; database: string }): Promise<MetroXService> {
    await mxs.create(first, { apiVersion, kind, metadata: { name }, spec: spec(database) });
    await settled(first, name, (c) => conditionOf(c, 'DatabaseReady')?.status === 'True' && conditionOf(c, 'BrokerReady')?.status === 'True');
    await mxs.create(second, { apiVersion, kind, metadata: { name }, spec: spec(database) });
    return settled(second, name, (c) => conditionOf(c, 'DatabaseReady')?.status === 'False' && conditionOf(c, 'BrokerReady')?.status === 'False');
  }

  it('gives the database and queue to the first and reports the collision on the second', async () => {
    const { name, database } = claimed.reported;
    const refused = await collide(claimed.reported);
    const comment = await admin.query<{ comment: string }>("SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1", [database]);
    expect(comment.rows[0]?.comment).toBe(`metrox.io/owner=${first}/${name}`);
    expect(conditionOf(refused, 'DatabaseReady')).toMatchObject({ reason: 'DatabaseOwnedByAnotherService', message: expect.stringContaining(`MetroXService ${first}/${name}`) as unknown });
    expect(conditionOf(refused, 'DatabaseReady')?.message).toContain('spec.database.name');
    expect(conditionOf(refused, 'BrokerReady')).toMatchObject({ reason: 'QueueOwnedByAnotherService', message: expect.stringContaining(`${first}/${name}`) as unknown });
    expect(conditionOf(refused, 'Ready')?.status).toBe('False');
    expect(refused.status?.database).toBeUndefined();
    expect(refused.status?.broker).toBeUndefined();
    // The second service's Secret holds another password: the first's role kept its own.
    expect(await firstLogsIn(name)).toBe(true);
  });

  it('keeps the first service\'s database and queue when the second is deleted, and drops them with the first', async () => {
    const { name, database } = claimed.released;
    await collide(claimed.released);
    const gone = (namespace: string) => waitFor(`${namespace}/${name} deleted`, async () => mxs.get(namespace, name).then(() => false, () => true), 45_000);
    const databaseExists = async () => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
    await mxs.delete(second, name);
    await gone(second);
    expect(await databaseExists()).toBe(true);
    expect(await queueExists(name)).toBe(true);
    expect(await firstLogsIn(name)).toBe(true);

    await mxs.delete(first, name);
    await gone(first);
    expect(await databaseExists()).toBe(false);
    expect(await queueExists(name)).toBe(false);
  });
});
