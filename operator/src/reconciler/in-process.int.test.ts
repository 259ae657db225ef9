// The reconciler run in this process (startManager) against a real kube-apiserver
// and the platform Postgres and RabbitMQ, each reached through a counting proxy:
// what a converged service costs on a resync, counted from the servers' side, and
// the drift check that repairs wiring dropped behind the operator's back. Each
// test starts its own operator (own Lease) and creates its own services. A control
// plane of its own: it counts every request the API server served, which other
// suites' operators on the shared one would add to.
import type { ControlPlane } from '@metrox/test/control-plane';
import { endpoints } from '@metrox/test/endpoints';
import { startTcpProxy, type TcpProxy } from '@metrox/test/tcp-proxy';
import amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion, kind, type MetroXService } from '../api/metroxservice.ts';
import { loadOperatorConfig } from '../install/configuration.ts';
import { conditionOf, type mxsClient, waitFor } from '../testing/kube.ts';
import { privateOperatorTestbed, type OperatorTestbed } from '../testing/operator-process.ts';
import { removeWiring } from '../testing/wiring.ts';
import { KubeClient, connectionFromKubeconfig } from '../runtime/kube-client.ts';
import type { Log } from '../runtime/log.ts';
import { kinds } from './kinds.ts';
import { startManager, type Manager } from './operator.ts';

const namespace = 'inproc';
const suffix = randomBytes(3).toString('hex');
const exchange = `metrox.events.inproc_${suffix}`;

/**
 * Requests the API server counted, by `<VERB> <resource>`: every verb but WATCH and
 * GET (the API server GETs a few objects of its own, e.g. the kubernetes Service,
 * on timers; the operator's client counts its own GETs), Leases and Events left out.
 */
async function apiServerRequests(testbed: OperatorTestbed<ControlPlane>): Promise<Map<string, number>> {
  const admin = new KubeClient(connectionFromKubeconfig(testbed.cp.kubeconfigPath));
  const body = await admin.get<string>('/metrics').finally(() => {
    admin.close();
  });
  const counts = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? '';
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const subresource = /subresource="([^"]*)"/.exec(line)?.[1] ?? '';
    if (verb === 'WATCH' || verb === 'GET' || resource === '' || ['leases', 'events'].includes(resource)) continue;
    const key = `${verb} ${resource}${subresource === '' ? '' : `/${subresource}`}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.split(' ').pop()));
  }
  return counts;
}

/** What grew between two counts. */
function grown(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...after].flatMap(([key, value]) => (value > (before.get(key) ?? 0) ? [[key, value - (before.get(key) ?? 0)]] : [])));
}

/** The operator's own requests, Lease renewals left out. */
function clientRequests(client: KubeClient): Map<string, number> {
  return new Map([...client.requests].filter(([key]) => !key.endsWith(' leases')));
}

async function successfulReconciles(manager: Manager): Promise<number> {
  const metric = await manager.metrics.reconcileTotal.get();
  return metric.values.find((v) => v.labels.result === 'success')?.value ?? 0;
}

describe('the reconciler in process, against a real API server, Postgres and RabbitMQ', () => {
  const infra = endpoints();
  const admin = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
  const made = { queues: [] as string[], exchanges: [exchange], databases: [] as string[] };
  let testbed: OperatorTestbed<ControlPlane>;
  let mxs: ReturnType<typeof mxsClient>;
  let postgres: TcpProxy;
  let rabbitmq: TcpProxy;
  let broker: amqp.ChannelModel;
  const logLines: string[] = [];
  const log: Log = (level, message, fields = {}) => {
    logLines.push(JSON.stringify({ level, msg: message, ...fields }));
  };

  beforeAll(async () => {
    testbed = await privateOperatorTestbed([namespace]);
    ({ mxs } = testbed);
    postgres = await startTcpProxy(new URL(infra.DATABASE_URL));
    rabbitmq = await startTcpProxy(new URL(infra.AMQP_URL));
    broker = await amqp.connect(infra.AMQP_URL);
  });
  afterAll(async () => {
    await removeWiring(admin, broker, made).catch(() => undefined);
    await broker.close();
    await admin.end();
    await Promise.all([postgres.close(), rabbitmq.close()]);
    await testbed.cp.stop();
  });

  /** An operator in this process, as the ServiceAccount with the generated RBAC; its own Lease. */
  async function operator(lease: string, env: Record<string, string> = {}): Promise<{ manager: Manager; client: KubeClient }> {
    const config = loadOperatorConfig({
      METROX_OPERATOR_NAMESPACE: 'metrox-system',
      METROX_LEASE_NAME: lease,
      METROX_HTTP_PORT: '0',
      METROX_WATCH_NAMESPACE: namespace,
      METROX_POSTGRES_ADMIN_URL: postgres.via(infra.DATABASE_URL),
      METROX_POSTGRES_SERVICE_HOST: new URL(infra.DATABASE_URL).host,
      METROX_AMQP_ADMIN_URL: rabbitmq.via(infra.AMQP_URL),
      METROX_EVENTS_EXCHANGE: exchange,
      ...env,
    });
    const client = new KubeClient(connectionFromKubeconfig(testbed.kubeconfig));
    return { manager: await startManager(client, config, log), client };
  }

  /** A service with a database and a queue; waits until both are wired and recorded. */
  async function wiredService(name: string, manager: Manager): Promise<MetroXService> {
    const database = `inproc_${name.replaceAll('-', '_')}`;
    made.databases.push(database);
    made.queues.push(name);
    await mxs.create(namespace, {
      apiVersion, kind, metadata: { name },
      spec: { image: 'ghcr.io/metrox/inproc:1.0.0', database: { name: database, deletionPolicy: 'Delete' }, events: { publishes: ['ThingHappened'], subscribes: ['OtherThingHappened'] } },
    });
    const wired = await waitFor(`${name} wired`, async () => {
      const current = await mxs.get(namespace, name);
      const done = current.status?.observedGeneration === current.metadata.generation
        && conditionOf(current, 'DatabaseReady')?.status === 'True'
        && conditionOf(current, 'BrokerReady')?.status === 'True'
        && current.status?.wiring?.database !== undefined && current.status.wiring.broker !== undefined;
      return done ? current : undefined;
    });
    // The operator reads the Secret it created from its cache from now on.
    await waitFor(`${name}'s Secrets in the cache`, () => Promise.resolve(
      manager.controller.cache(kinds.Secret)?.get(namespace, `${name}-database`) !== undefined && manager.controller.cache(kinds.Secret)?.get(namespace, `${name}-broker`) !== undefined,
    ));
    return wired;
  }

  it('resyncs of converged services, forced and periodic, send no API request, run no SQL and open no broker connection', async () => {
    const { manager, client } = await operator(`quiet-${suffix}`, { METROX_RESYNC_SECONDS: '2' });
    try {
      const names = [`quiet-a-${suffix}`, `quiet-b-${suffix}`, `quiet-c-${suffix}`];
      for (const name of names) await wiredService(name, manager);
      const before = {
        reconciles: await successfulReconciles(manager),
        client: clientRequests(client),
        apiServer: await apiServerRequests(testbed),
        sqlBytes: postgres.bytesToServer,
        brokerConnections: rabbitmq.connections,
      };
      manager.controller.requeueAll();
      await waitFor('a forced resync of every service', async () => (await successfulReconciles(manager)) >= before.reconciles + names.length);
      const forced = await successfulReconciles(manager);
      await waitFor('a periodic resync of every service', async () => (await successfulReconciles(manager)) >= forced + names.length);
      expect(grown(before.client, clientRequests(client)), logLines.join('\n')).toEqual({});
      expect(grown(before.apiServer, await apiServerRequests(testbed))).toEqual({});
      expect(postgres.bytesToServer - before.sqlBytes).toBe(0);
      expect(rabbitmq.connections - before.brokerConnections).toBe(0);
    } finally {
      await manager.stop();
    }
  });

  it('re-verifies wiring once the drift-check period passed, recreating a dropped role, database and queue', async () => {
    const { manager } = await operator(`drift-${suffix}`, { METROX_DRIFT_CHECK_SECONDS: '2' });
    try {
      const name = `drift-${suffix}`;
      const database = `inproc_${name.replaceAll('-', '_')}`;
      const first = await wiredService(name, manager);
      await admin.query(`DROP DATABASE "${database}" WITH (FORCE)`);
      await admin.query(`DROP ROLE "${database}"`);
      const channel = await broker.createChannel();
      await channel.deleteQueue(name);
      await channel.close();

      await waitFor('the role and database back', async () => {
        const found = await admin.query('SELECT 1 FROM pg_roles r, pg_database d WHERE r.rolname = $1 AND d.datname = $1', [database]);
        return found.rowCount === 1;
      }, 15_000);
      await waitFor('the queue back', async () => {
        const check = await broker.createChannel();
        check.on('error', () => undefined);
        try {
          await check.checkQueue(name);
          return true;
        } finally {
          await check.close().catch(() => undefined);
        }
      }, 15_000);
      // The status recording the re-verification is written after the wiring it records.
      const firstVerified = Date.parse(first.status?.wiring?.database?.verifiedAt ?? '');
      const after = await waitFor('the re-verification recorded in status', async () => {
        const current = await mxs.get(namespace, name);
        return Date.parse(current.status?.wiring?.database?.verifiedAt ?? '') > firstVerified ? current : undefined;
      }, 15_000);
      expect(after.status?.wiring?.database?.hash).toBe(first.status?.wiring?.database?.hash);
    } finally {
      await manager.stop();
    }
  });

  it('wires a changed subscription at once, without waiting for the drift check', async () => {
    const { manager } = await operator(`change-${suffix}`);
    try {
      const name = `change-${suffix}`;
      const first = await wiredService(name, manager);
      await mxs.patch(namespace, name, [{ op: 'replace', path: '/spec/events/subscribes', value: ['OtherThingHappened', 'ThirdThingHappened'] }]);
      const rewired = await waitFor('the new binding recorded', async () => {
        const current = await mxs.get(namespace, name);
        return current.status?.broker?.boundTypes?.includes('ThirdThingHappened') === true ? current : undefined;
      });
      expect(rewired.status?.wiring?.broker?.hash).not.toBe(first.status?.wiring?.broker?.hash);
      // The database asked for did not change: its record is kept, not re-verified.
      expect(rewired.status?.wiring?.database).toEqual(first.status?.wiring?.database);
    } finally {
      await manager.stop();
    }
  });
});
