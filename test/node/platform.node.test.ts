// MetroX on a real node, as a user installs it: the committed manifests applied with
// kubectl (CRDs first), every component a Pod from an image built from our own
// Dockerfiles (the upstream platform images by local stand-ins), the operator wiring
// real databases and queues in-cluster, and purchases followed from the host
// through port forwards to the Services, Jaeger and Prometheus of the cluster.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerAlerts, isAvailabilityPage, prometheusAlerts, type Labels } from '../observability/alerts.ts';
import { createJaegerQuery, resolveSpans } from '../observability/jaeger-query.ts';
import { dashboardQueries, queriesWithoutData } from '../observability/dashboard-queries.ts';
import { createPrometheusQuery } from '../observability/prometheus-query.ts';
import { healthCheck, readRoutes, sendPoisonMessage } from '../observability/workload.ts';
import { services as chartServices } from '../../charts/metrox.config.ts';
import { metroxImage } from '../../charts/src/support/images.ts';
import { developmentImage, developmentTag } from '../../scripts/images/components.ts';
import { repoRoot } from '../support/endpoints.ts';
import { localCluster, type LocalCluster } from '../support/local-cluster.ts';
import { waitUntil } from '../support/processes.ts';
import { installPlatform, namespace, unavailableHere, type InstalledPlatform } from './platform.ts';
import { buy, buyAndSettle, paymentsOf, notificationsOf, settle, transactionsOf, type Purchase } from './purchases.ts';

const services = ['transaction', 'payment', 'operations', 'notification'] as const;

let cluster: LocalCluster;
let core: CoreV1Api;
let platform: InstalledPlatform | undefined;

const running = (): InstalledPlatform => {
  if (platform === undefined) throw new Error('the platform was not installed');
  return platform;
};

async function pods(selector?: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, ...(selector === undefined ? {} : { labelSelector: selector }) })).items;
}

const isReady = (pod: V1Pod) =>
  pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined &&
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** What a person would look at first when something is not running: each Pod's phase and its containers' states. */
async function podReport(): Promise<string> {
  return (await pods())
    .map((pod) => {
      const containers = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
        .map((c) => `${c.name}: ${c.ready ? 'ready' : JSON.stringify(c.state?.waiting ?? c.state?.terminated ?? c.lastState?.terminated ?? c.state)}`)
        .join('; ');
      return `${pod.metadata?.name ?? '?'} ${pod.status?.phase ?? '?'} [${containers}]`;
    })
    .join('\n');
}

beforeAll(async () => {
  cluster = localCluster();
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  platform = await installPlatform(cluster);
  try {
    await cluster.kubectl('wait', '--for=condition=Ready', 'mxs', '--all', '-n', namespace, '--timeout=300s');
  } catch (error) {
    const state = await cluster.kubectl('get', 'mxs', '-n', namespace, '-o', 'yaml').catch(() => '');
    throw new Error(`MetroXServices not Ready: ${String(error)}\n${state}\nPods:\n${await podReport()}`, { cause: error });
  }
}, 15 * 60_000);

afterAll(async () => {
  await platform?.uninstall();
}, 5 * 60_000);

describe('MetroX on a real node', () => {
  it('runs every component of k8s/ but Grafana as Ready Pods of real containers with passing probes', async () => {
    const workloads = (await pods()).map((pod) => pod.metadata?.labels?.['app.kubernetes.io/name'] ?? '');
    expect(new Set(workloads)).toEqual(
      new Set(['postgres', 'rabbitmq', 'otel-collector', 'jaeger', 'prometheus', 'alertmanager', 'grafana', 'metrox-operator', ...services]),
    );
    await waitUntil(
      async () => (await pods()).filter((pod) => !unavailableHere.has(pod.metadata?.labels?.['app.kubernetes.io/name'] ?? '')).every(isReady),
      180_000,
      () => 'not every Pod is Ready',
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}:\n${await podReport()}`);
    });
    // Real containers: each has a container id from containerd and has been started by the kubelet.
    for (const pod of await pods()) {
      if (unavailableHere.has(pod.metadata?.labels?.['app.kubernetes.io/name'] ?? '')) continue;
      for (const status of pod.status?.containerStatuses ?? []) expect(status.containerID, status.name).toMatch(/^containerd:\/\//);
    }
  });

  it('runs the operator in its own Pod as its ServiceAccount, and it wired a database and a queue for every service', async () => {
    const [operator] = (await pods('app.kubernetes.io/name=metrox-operator')).filter(isReady);
    expect(operator?.spec?.serviceAccountName).toBe('metrox-operator');
    for (const service of services) {
      const mxs = JSON.parse(await cluster.kubectl('get', 'mxs', service, '-n', namespace, '-o', 'json')) as {
        status?: { database?: { name?: string }; broker?: { queue?: string }; conditions?: { type: string; status: string }[] };
      };
      expect(mxs.status?.conditions?.filter((c) => c.status === 'True').map((c) => c.type), service).toEqual(
        expect.arrayContaining(['Ready', 'DatabaseReady', 'BrokerReady', 'Available']),
      );
      const database = mxs.status?.database?.name ?? '';
      const tables = await cluster.kubectl('exec', '-n', namespace, 'postgres-0', '--', 'psql', '-U', 'postgres', '-d', database, '-Atc', 'SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()');
      expect(Number(tables.trim()), `${service}'s tables in database ${database}`).toBeGreaterThan(0);
      const queues = await cluster.kubectl('exec', '-n', namespace, 'rabbitmq-0', '--', 'rabbitmqctl', '-q', 'list_queues', 'name');
      expect(queues.split('\n').map((line) => line.trim()), `${service}'s queue`).toContain(mxs.status?.broker?.queue);
    }
  });

  describe('purchases', () => {
    let bought: Purchase[] = [];

    beforeAll(async () => {
      const urls = await purchaseUrls();
      bought = await Promise.all(['upi', 'card', 'wallet', 'upi'].map((method) => buyAndSettle(urls, method, randomBytes(16).toString('hex'))));
    }, 180_000);

    it('reach CONFIRMED or FAILED with exactly one payment and one SENT notification each, read through the services\' APIs', async () => {
      const urls = await purchaseUrls();
      for (const purchase of bought) {
        expect(['CONFIRMED', 'FAILED']).toContain(purchase.status);
        expect(await paymentsOf(urls, purchase.id)).toHaveLength(1);
        const notifications = await notificationsOf(urls, purchase.id);
        expect(notifications.filter((n) => n.status === 'SENT'), purchase.id).toHaveLength(1);
      }
    });

    it('are one trace each in the in-cluster Jaeger, spanning all four services and the cipher helper', async () => {
      const jaeger = createJaegerQuery((await running().forward('jaeger', 16686)).url);
      const expected = ['transaction', 'payment', 'payment-cipher', 'operations', 'notification'];
      for (const purchase of bought) {
        const trace = await jaeger.waitForTrace(purchase.traceId, (t) => expected.every((s) => resolveSpans(t).some((span) => span.service === s)), 60_000);
        expect(new Set(resolveSpans(trace).map((span) => span.service))).toEqual(new Set(expected));
      }
    });

    it('show in kubectl logs of the transaction service as JSON lines carrying the purchase\'s trace id', async () => {
      const [purchase] = bought;
      const logs = await cluster.kubectl('logs', '-n', namespace, '-l', 'app.kubernetes.io/name=transaction', '-c', 'service', '--tail=-1', '--prefix=false');
      const lines = logs.split('\n').filter((line) => line.includes(purchase?.traceId ?? 'none'));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect((JSON.parse(line) as { trace_id?: string }).trace_id).toBe(purchase?.traceId);
    });
  });

  it('has every service, the cipher helper and the operator up in the in-cluster Prometheus', async () => {
    const prometheus = createPrometheusQuery((await running().forward('prometheus', 9090)).url);
    const up = async () => (await prometheus.query('up == 1')).map((s) => `${s.metric.job ?? ''}/${s.metric.service ?? ''}`);
    const wanted = [...services.map((s) => `pods/${s}`), 'pod-sidecars/payment', 'pods/metrox-operator'];
    let targets: string[] = [];
    await waitUntil(
      async () => {
        targets = await up();
        return wanted.every((target) => targets.includes(target));
      },
      90_000,
      () => `not every target is up; up: ${targets.join(', ')}`,
    );
  });

  it('runs three payment Pods after kubectl scale mxs payment --replicas=3', async () => {
    await cluster.kubectl('scale', 'mxs', 'payment', '-n', namespace, '--replicas=3');
    try {
      await waitUntil(async () => (await pods('app.kubernetes.io/name=payment')).filter(isReady).length === 3, 120_000, () => 'payment never ran 3 Ready Pods');
      // The MetroXService's own status says so too, once the operator has seen the Pods.
      const readyReplicas = async () =>
        (JSON.parse(await cluster.kubectl('get', 'mxs', 'payment', '-n', namespace, '-o', 'json')) as { status?: { readyReplicas?: number } }).status?.readyReplicas;
      await waitUntil(async () => (await readyReplicas()) === 3, 60_000, () => 'the payment MetroXService never reported 3 ready replicas');
      const printed = await cluster.kubectl('get', 'mxs', 'payment', '-n', namespace, '--no-headers');
      expect(printed).toMatch(/^payment\s+3\s+3\s/);
    } finally {
      await cluster.kubectl('scale', 'mxs', 'payment', '-n', namespace, '--replicas=2');
    }
  });
});

describe('MetroX on a real node, watched in its dashboards', () => {
  const psql = (database: string, sql: string) => cluster.kubectl('exec', '-n', namespace, 'postgres-0', '--', 'psql', '-U', 'postgres', '-d', database, '-Atc', sql);

  it('answers every query of every dashboard ConfigMap in the cluster from the in-cluster Prometheus', async () => {
    const urls = { ...(await purchaseUrls()), operations: (await running().forward('operations', 8082)).url };
    // A confirmed and a declined purchase (a wallet is declined for an insufficient balance).
    const bought = [await buyAndSettle(urls, 'upi', randomBytes(16).toString('hex')), await buyAndSettle(urls, 'wallet', randomBytes(16).toString('hex'))];
    // One server error per service, the real way: its schema goes away for one read.
    for (const service of services) {
      const database = (JSON.parse(await cluster.kubectl('get', 'mxs', service, '-n', namespace, '-o', 'json')) as { status: { database: { name: string } } }).status.database.name;
      await psql(database, 'ALTER SCHEMA public RENAME TO public_away');
      let status: number | undefined;
      try {
        status = (await fetch(`${urls[service]}${readRoutes[service](bought[0]?.id ?? '')}`)).status;
      } finally {
        await psql(database, 'ALTER SCHEMA public_away RENAME TO public');
      }
      expect(status, `${service} without its schema`).toBe(500);
      // A gRPC call served and one refused (an unknown health service: NOT_FOUND).
      const grpc = await running().forward(service, chartServices[service].ports?.grpc ?? 0);
      expect(await healthCheck(`127.0.0.1:${String(grpc.port)}`)).toBe(0);
      expect(await healthCheck(`127.0.0.1:${String(grpc.port)}`, 'no.such.Service')).toBe(5);
    }
    // A poison message, dead-lettered by Payment's consumer.
    const admin = JSON.parse(await cluster.kubectl('get', 'secret', 'rabbitmq-admin', '-n', namespace, '-o', 'json')) as { data: { url: string } };
    const amqpUrl = new URL(Buffer.from(admin.data.url, 'base64').toString());
    amqpUrl.host = `127.0.0.1:${String((await running().forward('rabbitmq', 5672)).port)}`;
    const paymentQueue = (JSON.parse(await cluster.kubectl('get', 'mxs', 'payment', '-n', namespace, '-o', 'json')) as { status: { broker: { queue: string } } }).status.broker.queue;
    await sendPoisonMessage(amqpUrl.toString(), paymentQueue);
    // A reconcile the API server refuses: requests above limits pass the CRD, not the Deployment's validation.
    const refused = { apiVersion: 'metrox.io/v1alpha1', kind: 'MetroXService', metadata: { name: 'refused', namespace },
      spec: { image: metroxImage('payment'), resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } } };
    await apply(refused);
    try {
      const dashboards = JSON.parse(await cluster.kubectl('get', 'configmaps', '-n', namespace, '-l', 'grafana_dashboard=1', '-o', 'json')) as {
        items: { metadata: { name: string }; data?: Record<string, string> }[];
      };
      // The overview and the four services' (the refused one's has no service behind it).
      const shipped = dashboards.items.filter((cm) => !cm.metadata.name.startsWith(refused.metadata.name));
      expect(shipped.map((cm) => cm.metadata.name).sort()).toEqual(['metrox-overview-dashboard', ...services.map((s) => `${s}-dashboard`)].sort());
      const queries = shipped.flatMap((cm) => Object.values(cm.data ?? {}).flatMap((json) => dashboardQueries(JSON.parse(json) as Parameters<typeof dashboardQueries>[0])));
      expect(queries.length).toBeGreaterThan(20);
      const prometheus = createPrometheusQuery((await running().forward('prometheus', 9090)).url);
      // Scrapes every 15 s here: a few minutes keep every event above in range.
      const range = '5m';
      await expect
        .poll(() => queriesWithoutData(queries, prometheus, range), { timeout: 150_000, interval: 5_000 })
        .toEqual([]);
    } finally {
      await cluster.kubectl('delete', 'mxs', 'refused', '-n', namespace, '--wait=true', '--timeout=60s');
    }
  }, 300_000);
});

describe('MetroX on a real node, alerting on its SLOs', () => {
  interface RuleGroup { name: string; rules: { health: string; lastError?: string }[] }
  const getJson = async <T,>(url: string): Promise<T> => (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as T;
  const isTransactionPage = (labels: Labels) => isAvailabilityPage(labels, { namespace, service: 'transaction' });

  it('loads every service\'s SLO rules into the in-cluster Prometheus through its rule sidecar, evaluates them cleanly and sends alerts to the in-cluster Alertmanager', async () => {
    const prometheus = (await running().forward('prometheus', 9090)).url;
    const wanted = services.map((service) => `metrox-slo-${namespace}-${service}`);
    let groups: RuleGroup[] = [];
    await waitUntil(
      async () => {
        groups = (await getJson<{ data: { groups: RuleGroup[] } }>(`${prometheus}/api/v1/rules`)).data.groups;
        const ours = groups.filter((g) => wanted.includes(g.name));
        return ours.length === wanted.length && ours.every((g) => g.rules.every((r) => r.health === 'ok'));
      },
      120_000,
      () => `rule groups: ${JSON.stringify(groups.map((g) => [g.name, g.rules.filter((r) => r.health !== 'ok')]))}`,
    );
    const alertmanagers = await getJson<{ data: { activeAlertmanagers: { url: string }[] } }>(`${prometheus}/api/v1/alertmanagers`);
    expect(alertmanagers.data.activeAlertmanagers.map((a) => a.url)).toEqual([expect.stringContaining(':9093/api/v2/alerts') as unknown]);
  });

  it('fires the availability page for transaction once its spec.env turns on a route fault knob, and Alertmanager receives it', async () => {
    const knobs = [{ name: 'FAULT_HTTP_ERROR_RATIO', value: '1' }, { name: 'FAULT_HTTP_ROUTES', value: 'GET /v1/stations' }];
    await cluster.kubectl('patch', 'mxs', 'transaction', '-n', namespace, '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/env', value: knobs }]));
    try {
      await rolledOut('transaction');
      const transaction = (await running().forward('transaction', 8080)).url;
      const prometheus = (await running().forward('prometheus', 9090)).url;
      const alertmanager = (await running().forward('alertmanager', 9093)).url;
      let statuses: number[] = [];
      // Failures keep coming until the page fires: a new Pod's first scrape is its counters' baseline.
      await waitUntil(
        async () => {
          statuses = await Promise.all(Array.from({ length: 10 }, () => fetch(`${transaction}/v1/stations`).then((r) => r.status, () => 0)));
          return (await prometheusAlerts(prometheus, isTransactionPage)).some((a) => a.state === 'firing');
        },
        240_000,
        () => `the page did not fire in the in-cluster Prometheus; last answers of GET /v1/stations: ${statuses.join(' ')}`,
      );
      expect(statuses.filter((status) => status !== 0).every((status) => status === 500)).toBe(true);
      await waitUntil(
        async () => (await alertmanagerAlerts(alertmanager, isTransactionPage)).some((a) => a.status.state === 'active'),
        120_000,
        () => 'the page did not reach the in-cluster Alertmanager',
      );
    } finally {
      await cluster.kubectl('patch', 'mxs', 'transaction', '-n', namespace, '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/env' }]));
      await rolledOut('transaction');
    }
  }, 600_000);
});

describe('MetroX on a real node, while Pods go away', () => {
  it('loses and duplicates no purchase while a payment Pod and a transaction Pod are deleted mid-flow', async () => {
    const urls = await purchaseUrls();
    const methods = ['upi', 'card', 'wallet'];
    const accepted: { id: string; traceId: string; rider: string }[] = [];
    const deleted: string[] = [];
    for (let n = 0; n < 16; n++) {
      const traceId = randomBytes(16).toString('hex');
      const rider = `rider-${randomBytes(4).toString('hex')}`;
      accepted.push({ id: await buy(urls.transaction, methods[n % methods.length] ?? 'upi', traceId, { rider }), traceId, rider });
      if (n === 3) {
        // While purchases keep coming: one Pod of each, as a node drain or a crash would take them.
        for (const service of ['payment', 'transaction']) {
          const victim = (await pods(`app.kubernetes.io/name=${service}`)).find(isReady)?.metadata?.name;
          if (victim === undefined) throw new Error(`no Ready ${service} Pod to delete`);
          await cluster.kubectl('delete', 'pod', victim, '-n', namespace, '--wait=false');
          deleted.push(victim);
        }
      }
    }
    expect(deleted).toHaveLength(2);
    for (const purchase of accepted) {
      const settled = await settle(urls, purchase.id, purchase.traceId, 180_000);
      expect(['CONFIRMED', 'FAILED']).toContain(settled.status);
      // Each rider bought once: one transaction, one payment, one notification sent.
      expect(await transactionsOf(urls, purchase.rider), purchase.rider).toHaveLength(1);
      expect(await paymentsOf(urls, purchase.id), purchase.id).toHaveLength(1);
      expect((await notificationsOf(urls, purchase.id)).filter((n) => n.status === 'SENT'), purchase.id).toHaveLength(1);
    }
    await waitUntil(async () => (await pods('app.kubernetes.io/name=payment')).filter(isReady).length === 2, 120_000, () => 'payment never had 2 Ready Pods again');
    await waitUntil(async () => (await pods('app.kubernetes.io/name=transaction')).filter(isReady).length === 2, 120_000, () => 'transaction never had 2 Ready Pods again');
  });
});

describe('MetroX on a real node, from the Tiltfile\'s development images', () => {
  // What `tilt up` does after building: the MetroXServices' spec.image (and the cipher's)
  // and the operator's Deployment point at its images (k8s_kind image_json_path).

  it('runs them as the Pods of every service and the operator, with traces across all four services and metrics scraped', async () => {
    execFileSync('bash', [join(repoRoot, 'scripts', 'node', 'images.sh'), '--dev'], { stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
    const production = new Map<string, string>();
    try {
      for (const service of services) {
        const mxs = JSON.parse(await cluster.kubectl('get', 'mxs', service, '-n', namespace, '-o', 'json')) as { spec: { image: string; cipher?: { image?: string } } };
        production.set(service, JSON.stringify({ spec: { image: mxs.spec.image, ...(mxs.spec.cipher?.image === undefined ? {} : { cipher: { image: mxs.spec.cipher.image } }) } }));
        const patch = { spec: { image: developmentImage(service), ...(mxs.spec.cipher?.image === undefined ? {} : { cipher: { image: developmentImage('cipher') } }) } };
        await cluster.kubectl('patch', 'mxs', service, '-n', namespace, '--type=merge', '-p', JSON.stringify(patch));
      }
      await cluster.kubectl('set', 'image', 'deployment/metrox-operator', '-n', namespace, `operator=${developmentImage('operator')}`);

      const runsDevImages = (pod: V1Pod) =>
        isReady(pod) && [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].every((c) => c.image?.endsWith(`:${developmentTag}`));
      const devPods = new Map<string, string[]>();
      for (const name of [...services, 'metrox-operator']) {
        await waitUntil(
          async () => {
            const all = await pods(`app.kubernetes.io/name=${name}`);
            devPods.set(name, all.filter(runsDevImages).map((pod) => pod.metadata?.name ?? ''));
            return all.length > 0 && all.every(runsDevImages);
          },
          240_000,
          () => `${name} never ran only development images`,
        ).catch(async (error: unknown) => {
          throw new Error(`${String(error)}:\n${await podReport()}`);
        });
      }
      await cluster.kubectl('wait', '--for=condition=Ready', 'mxs', '--all', '-n', namespace, '--timeout=180s');

      const purchase = await buyAndSettle(await purchaseUrls(), 'upi', randomBytes(16).toString('hex'));
      const jaeger = createJaegerQuery((await running().forward('jaeger', 16686)).url);
      const expected = ['transaction', 'payment', 'payment-cipher', 'operations', 'notification'];
      const trace = await jaeger.waitForTrace(purchase.traceId, (t) => expected.every((s) => resolveSpans(t).some((span) => span.service === s)), 60_000);
      // The spans come from the development Pods.
      const tracedPods = new Set(Object.values(trace.processes).map((p) => String(p.tags.find((tag) => tag.key === 'k8s.pod.name')?.value)));
      for (const service of services) expect(devPods.get(service)?.some((pod) => tracedPods.has(pod)), `${service}'s development Pod in the trace`).toBe(true);

      const prometheus = createPrometheusQuery((await running().forward('prometheus', 9090)).url);
      const wanted = [...devPods.values()].flat();
      let upPods: string[] = [];
      await waitUntil(
        async () => {
          upPods = (await prometheus.query('up == 1')).map((sample) => sample.metric.pod ?? '');
          return wanted.every((pod) => upPods.includes(pod));
        },
        90_000,
        () => `not every development Pod is up in Prometheus: wanted ${wanted.join(', ')}, up ${upPods.join(', ')}`,
      );
    } finally {
      for (const [service, patch] of production) await cluster.kubectl('patch', 'mxs', service, '-n', namespace, '--type=merge', '-p', patch);
      await cluster.kubectl('set', 'image', 'deployment/metrox-operator', '-n', namespace, `operator=${metroxImage('operator')}`);
    }
    // It builds the development images first: minutes when their layers are not cached yet.
  }, 900_000);
});

/**
 * Waits until a rollout has replaced every Pod of a service (the old ones gone, not only
 * terminating), then drops the port forwards to it: kubectl forwards to one Pod, chosen
 * when it starts, and must not choose one on its way out.
 */
async function rolledOut(service: string): Promise<void> {
  await cluster.kubectl('rollout', 'status', `deployment/${service}`, '-n', namespace, '--timeout=180s');
  const wanted = Number(await cluster.kubectl('get', 'deployment', service, '-n', namespace, '-o', 'jsonpath={.spec.replicas}'));
  await waitUntil(
    async () => {
      const current = await pods(`app.kubernetes.io/name=${service}`);
      return current.length === wanted && current.every(isReady);
    },
    120_000,
    () => `${service}'s old Pods did not go away after its rollout`,
  );
  await running().dropForwards(service);
}

/** kubectl apply of one object, from a file that is gone again afterwards. */
async function apply(value: unknown): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'metrox-node-'));
  try {
    writeFileSync(join(dir, 'object.json'), JSON.stringify(value));
    await cluster.kubectl('apply', '-f', join(dir, 'object.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function purchaseUrls(): Promise<Record<'transaction' | 'payment' | 'notification', string>> {
  const [transaction, payment, notification] = await Promise.all([
    running().forward('transaction', 8080),
    running().forward('payment', 8081),
    running().forward('notification', 8083),
  ]);
  return { transaction: transaction.url, payment: payment.url, notification: notification.url };
}

