// The operator's controller under load, the operator running as its own process
// with its own RBAC against a fresh local API server per phase:
//   - N MetroXServices (no database or broker wiring) created at once, for each N in
//     METROX_BENCH_OPERATOR_COUNTS (default 1000,10000): time to converge, CPU, peak
//     RSS, reconciles per resource, p99 queue wait and reconcile time;
//   - one steady-state resync of METROX_BENCH_OPERATOR_RESYNC_COUNT (default 1,000)
//     converged MetroXServices, METROX_BENCH_OPERATOR_WIRED (default 100) of them with
//     a database and a queue on the local Postgres and RabbitMQ: the API requests,
//     SQL statements and broker connections it costs, counted outside the operator
//     (the API server's audit log of the operator's user; TCP proxies in front of
//     Postgres and RabbitMQ).
// METROX_BENCH_BASELINE_REF=<commit> runs every phase with that commit's bundle and
// this checkout's alternately, for a side by side comparison.
//
//   npm run bench -- operator
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { endpoints } from '@metrox/test/endpoints';
import amqp from 'amqplib';
import pg from 'pg';
import { apiVersion, kind, type MetroXService } from '../operator/src/api/metroxservice.ts';
import { KubeClient, connectionFromKubeconfig } from '../operator/src/runtime/kube-client.ts';
import { waitFor } from '../operator/src/testing/kube.ts';
import { operatorNodeFlags, operatorUser, privateOperatorTestbed, type OperatorProcess } from '../operator/src/testing/operator-process.ts';
import { removeWiring } from '../operator/src/testing/wiring.ts';
import { ownerMarker } from '../operator/src/wiring/broker.ts';
import { baselineOperatorBundle } from './baseline-operator.ts';
import { startTcpProxy } from '@metrox/test/tcp-proxy';
import { machineCpuSeconds } from './machine.ts';
import { benchRuns, metric, writeBenchResult, type BenchTarget } from './result.ts';

/** A whole number ≥ 1 from the environment, or a clear error. */
function wholeNumber(name: string, fallback: string): number {
  const text = process.env[name] ?? fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, got "${text}"`);
  return value;
}

/** Pure: "1000,10000" → [1000, 10000]. */
export function parseCounts(text: string): number[] {
  const counts = text.split(',').map((part) => part.trim()).filter((part) => part !== '').map(Number);
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`METROX_BENCH_OPERATOR_COUNTS must be whole numbers ≥ 1 separated by commas, got "${text}"`);
  }
  return counts;
}

const counts = parseCounts(process.env.METROX_BENCH_OPERATOR_COUNTS ?? '1000,10000');
const resyncTotal = wholeNumber('METROX_BENCH_OPERATOR_RESYNC_COUNT', '1000');
const wiredCount = Math.min(resyncTotal, wholeNumber('METROX_BENCH_OPERATOR_WIRED', '100'));
const namespace = 'bench';
/** Holds the one MetroXService converged before the clock starts. */
const warmupNamespace = 'bench-warmup';
/** The resync period of the steady-state phase: short, so one comes soon after convergence. */
const resyncSeconds = 20;
/** Reconciles at once: the operator's default (METROX_CONCURRENCY unset) unless given. */
const concurrency = process.env.METROX_BENCH_OPERATOR_CONCURRENCY;
const nodeOptions = process.env.METROX_BENCH_OPERATOR_NODE_OPTIONS;

/** One build of the operator under test. */
interface Build {
  /** Added to each benchmark's name: '' for this checkout. */
  label: string;
  /** Its entry point; undefined for this checkout's bundle. */
  main: string | undefined;
  /** How it runs, for the notes. */
  description: string;
}

function builds(): Build[] {
  const how = `node ${operatorNodeFlags.join(' ')}, ${concurrency === undefined ? 'default concurrency' : `METROX_CONCURRENCY=${concurrency}`}`;
  const other = process.env.METROX_BENCH_OPERATOR_MAIN;
  const current: Build = other === undefined
    ? { label: '', main: undefined, description: `the bundle from operator/bundle.ts, as in its image, ${how}` }
    : { label: '', main: other, description: `${other}, ${how}` };
  const ref = process.env.METROX_BENCH_BASELINE_REF;
  if (ref === undefined || ref === '') return [current];
  const baseline = baselineOperatorBundle(ref);
  const short = baseline.commit.slice(0, 7);
  console.error(`[operator] baseline ${short}: ${baseline.main}`);
  return [{ label: ` (baseline ${short})`, main: baseline.main, description: `the bundle of commit ${short}, ${how}` }, current];
}

/** The operator's environment common to every phase. */
// No trace export (whether or not a local Jaeger is up): the figures stay comparable
// across runs and with older builds, and no trace backend shares the two cores.
function operatorEnv(extra: Record<string, string>): Record<string, string> {
  return { OTEL_TRACES_EXPORTER: 'none', ...(concurrency === undefined ? {} : { METROX_CONCURRENCY: concurrency }), ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }), ...extra };
}

/** Follows the operator's peak resident memory (the kernel's high-water mark). */
function peakRssSampler(operator: OperatorProcess): { readonly mib: number; stop(): void } {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(operator.child.pid)}/status`, 'utf8'))?.[1];
      peak = Math.max(peak, Number(hwm ?? 0) / 1024);
    } catch {
      // The process ended.
    }
  }, 200);
  return {
    get mib() {
      return peak;
    },
    stop: () => {
      clearInterval(timer);
    },
  };
}

/** Requests the API server counted, by verb/resource/subresource (Leases and Events left out): writes, or all. */
async function apiServerRequestsByKind(admin: KubeClient, verbs = ['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY']): Promise<Map<string, number>> {
  const text = await admin.get<string>('/metrics');
  const byKind = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? '';
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const subresource = /subresource="([^"]*)"/.exec(line)?.[1] ?? '';
    // ipaddresses: the API server's own ClusterIP allocations for the Services, not the operator's.
    if (!verbs.includes(verb) || ['leases', 'events', 'ipaddresses'].includes(resource)) continue;
    const key = `${verb} ${resource}${subresource === '' ? '' : `/${subresource}`}`;
    byKind.set(key, (byKind.get(key) ?? 0) + Number(line.split(' ').pop()));
  }
  return byKind;
}

function difference(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [key, n] of after) if (n !== (before.get(key) ?? 0)) changed[key] = n - (before.get(key) ?? 0);
  return changed;
}

/** A Prometheus histogram's cumulative buckets (one series). */
function histogramBuckets(text: string, name: string): { le: number; count: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}_bucket{`))
    .map((line) => ({ le: /le="([^"]+)"/.exec(line)?.[1] ?? '', count: Number(line.split(' ').pop()) }))
    .map((b) => ({ le: b.le === '+Inf' ? Infinity : Number(b.le), count: b.count }));
}

/** A quantile (upper bound of its bucket) of what a histogram observed, or of what it observed since `since`. */
function histogramQuantile(text: string, name: string, q: number, since?: string): number {
  const earlier = since === undefined ? [] : histogramBuckets(since, name);
  const buckets = histogramBuckets(text, name).map((b) => ({ le: b.le, count: b.count - (earlier.find((e) => e.le === b.le)?.count ?? 0) }));
  const total = buckets.at(-1)?.count ?? 0;
  return total === 0 ? Number.NaN : buckets.find((b) => b.count >= q * total)?.le ?? Number.NaN;
}

function counter(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** Reconciles the operator has run, whatever their result. */
function reconciles(metricsText: string): number {
  return counter(metricsText, /^controller_runtime_reconcile_total\{[^}]*\} (\d+)/gm);
}

/** CPU seconds a process has used, from its Prometheus endpoint (process_cpu_seconds_total). */
function cpuSeconds(metricsText: string): number {
  return Number(/^process_cpu_seconds_total ([\d.e+]+)/m.exec(metricsText)?.[1] ?? Number.NaN);
}

interface ScaleRun {
  convergeSeconds: number;
  writesPerResource: number;
  reconcilesPerResource: number;
  peakRssMiB: number;
  /** CPU the API server and the operator spent until convergence: the work done, whatever else loads the machine. */
  apiServerCpuSeconds: number;
  operatorCpuSeconds: number;
  /** CPU the whole machine spent until convergence (etcd, the bench's own client and everything else included), and CPU stolen by the hypervisor. */
  machineCpuSeconds: number;
  stolenCpuSeconds: number;
  p50Ms: number;
  p99Ms: number;
  /** From workqueue_queue_duration_seconds; NaN when the build does not export it. */
  queueWaitP99Ms: number;
}

/** Sum of a gauge's or counter's series. */
function gauge(text: string, name: string): number {
  return counter(text, new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)`, 'gm'));
}

async function scaleRun(build: Build, count: number): Promise<ScaleRun> {
  const { cp, startOperator } = await privateOperatorTestbed([namespace, warmupNamespace]);
  const admin = new KubeClient(connectionFromKubeconfig(cp.kubeconfigPath), { maxSockets: 32 });
  try {
    // A long resync period: none runs inside the measurement.
    const operator = await startOperator(operatorEnv({ METROX_RESYNC_SECONDS: '3600' }), build.main);
    const rss = peakRssSampler(operator);
    let stopWatching: AbortController | undefined;
    try {
      // A CRD established moments ago delays creates of its objects by 2 s (the API
      // server's guard for HA consistency, kubernetes#99199). A cluster installs the CRD
      // long before its objects: one converged first keeps that delay out of the figures.
      const warmup = `/apis/metrox.io/v1alpha1/namespaces/${warmupNamespace}/metroxservices/warmup`;
      await admin.request('POST', `/apis/metrox.io/v1alpha1/namespaces/${warmupNamespace}/metroxservices`, { apiVersion, kind, metadata: { name: 'warmup' }, spec: { image: 'ghcr.io/metrox/bench:warmup' } });
      await waitFor('the warm-up MetroXService to converge', async () => {
        const object = await admin.get<MetroXService>(warmup);
        return object.status?.observedGeneration === object.metadata.generation;
      });
      const reconcilesBefore = reconciles(await operator.metrics());
      const beforeByKind = await apiServerRequestsByKind(admin);
      const [apiCpuBefore, operatorCpuBefore] = [cpuSeconds(await admin.get<string>('/metrics')), cpuSeconds(await operator.metrics())];
      const readVerbs = ['GET', 'LIST', 'WATCH'];
      const readsBefore = await apiServerRequestsByKind(admin, readVerbs);
      const before = [...beforeByKind.values()].reduce((sum, n) => sum + n, 0);
      // Convergence is followed through a watch: polling a list of thousands of objects
      // would load the API server, which is also the system under load.
      const collection = `/apis/metrox.io/v1alpha1/namespaces/${namespace}/metroxservices`;
      const { metadata: { resourceVersion: from } } = await admin.get<{ metadata: { resourceVersion: string } }>(`${collection}?limit=1`);
      const converged = new Set<string>();
      const watchAbort = new AbortController();
      stopWatching = watchAbort;
      let allConverged: Promise<void> = new Promise<void>((resolve, reject) => {
        let resourceVersion = from;
        // A watcher that falls behind is closed by the API server: resume where it stopped.
        const watch = (): void => {
          admin.watch<MetroXService>(`${collection}?watch=true&timeoutSeconds=1800&resourceVersion=${resourceVersion}`, (event) => {
            if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return;
            resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
            const { name, generation } = event.object.metadata;
            if (event.object.status?.observedGeneration === generation) converged.add(name);
            else converged.delete(name);
            if (converged.size === count) resolve();
          }, watchAbort.signal).then(() => {
            if (!watchAbort.signal.aborted) watch();
          }, reject);
        };
        watch();
      });
      allConverged = allConverged.finally(() => {
        watchAbort.abort();
      });
      // Awaited below; until then a failure elsewhere must surface, not this rejection.
      allConverged.catch(() => undefined);
      const started = performance.now();
      const machineBefore = machineCpuSeconds();
      // METROX_BENCH_APISERVER_PROFILE=file: a Go CPU profile of the API server over the first seconds of the run.
      const profileFile = process.env.METROX_BENCH_APISERVER_PROFILE;
      const profiled = profileFile === undefined ? undefined : admin.raw('/debug/pprof/profile?seconds=15', 60_000).then((bytes) => {
        writeFileSync(profileFile, bytes);
      });
      const digits = String(count - 1).length;
      const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(digits, '0')}`);
      // Created "at once": as fast as the API server takes them, 64 in flight.
      let next = 0;
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (next < names.length) {
          const name = names[next++] ?? '';
          await admin.request('POST', collection, { apiVersion, kind, metadata: { name }, spec: { image: `ghcr.io/metrox/bench:${name}` } });
        }
      }));
      const creates = count;
      // A generous bound: ten times the 10,000 target's pace, and never under 5 minutes.
      const limitSeconds = Math.max(300, count / 10);
      await Promise.race([
        allConverged,
        new Promise((_, reject) => setTimeout(() => {
          reject(new Error(`${String(converged.size)} of ${String(count)} MetroXServices converged in ${String(limitSeconds)} s\noperator log (tail):\n${operator.log().split('\n').slice(-15).join('\n')}`));
        }, limitSeconds * 1000).unref()),
      ]);
      const convergeSeconds = (performance.now() - started) / 1000;
      const machineAfter = machineCpuSeconds();
      await profiled;
      // Children were applied before status was written, so convergence includes them.
      const [apiServerCpuSeconds, operatorCpuSeconds] = [cpuSeconds(await admin.get<string>('/metrics')) - apiCpuBefore, cpuSeconds(await operator.metrics()) - operatorCpuBefore];
      const afterConvergeByKind = await apiServerRequestsByKind(admin);
      const afterConverge = [...afterConvergeByKind.values()].reduce((sum, n) => sum + n, 0);
      console.error(`[operator] writes until converged: ${JSON.stringify(difference(afterConvergeByKind, beforeByKind))}`);
      console.error(`[operator] reads until converged: ${JSON.stringify(difference(await apiServerRequestsByKind(admin, readVerbs), readsBefore))}`);
      const writesPerResource = (afterConverge - before - creates) / count;
      // With --heapsnapshot-signal=SIGUSR2 in METROX_BENCH_OPERATOR_NODE_OPTIONS: a heap snapshot of the converged operator.
      if (nodeOptions?.includes('--heapsnapshot-signal=SIGUSR2') === true) operator.child.kill('SIGUSR2');
      const atConverge = await operator.metrics();
      const mib = (name: string) => (gauge(atConverge, name) / 2 ** 20).toFixed(0);
      console.error(`[operator] memory when converged (MiB): rss ${mib('process_resident_memory_bytes')}, heap used ${mib('nodejs_heap_size_used_bytes')} of ${mib('nodejs_heap_size_total_bytes')}, external ${mib('nodejs_external_memory_bytes')}`);
      return {
        convergeSeconds,
        writesPerResource,
        reconcilesPerResource: (reconciles(atConverge) - reconcilesBefore) / count,
        peakRssMiB: rss.mib,
        apiServerCpuSeconds,
        operatorCpuSeconds,
        machineCpuSeconds: machineAfter.busy - machineBefore.busy,
        stolenCpuSeconds: machineAfter.steal - machineBefore.steal,
        p50Ms: histogramQuantile(atConverge, 'controller_runtime_reconcile_time_seconds', 0.5) * 1000,
        p99Ms: histogramQuantile(atConverge, 'controller_runtime_reconcile_time_seconds', 0.99) * 1000,
        queueWaitP99Ms: histogramQuantile(atConverge, 'workqueue_queue_duration_seconds', 0.99) * 1000,
      };
    } finally {
      stopWatching?.abort();
      rss.stop();
      await operator.stop();
    }
  } finally {
    admin.close();
    await cp.stop();
  }
}

interface ResyncRun {
  /** Until every resource converged and the wired ones reported DatabaseReady and BrokerReady. */
  convergeSeconds: number;
  reconciles: number;
  apiRequests: number;
  leaseRequests: number;
  sqlStatements: number;
  postgresConnections: number;
  brokerConnections: number;
  /** p99 time in the work queue of the keys the resync queued (NaN when the build does not export it). */
  queueWaitP99Ms: number;
}

/** Waits until the operator's work queue has been empty for a second. */
async function quiet(operator: OperatorProcess): Promise<void> {
  let emptySince: number | undefined;
  await waitFor('the work queue to empty', async () => {
    const depth = gauge(await operator.metrics(), 'workqueue_depth');
    if (depth > 0) emptySince = undefined;
    else emptySince ??= Date.now();
    return emptySince !== undefined && Date.now() - emptySince >= 1000;
  }, 600_000);
}

async function resyncRun(build: Build): Promise<ResyncRun> {
  const suffix = randomBytes(3).toString('hex');
  const digits = String(resyncTotal - 1).length;
  const names = Array.from({ length: resyncTotal }, (_, i) => `r${suffix}-${String(i).padStart(digits, '0')}`);
  const wired = names.slice(0, wiredCount);
  const exchange = `metrox.events.bench_${suffix}`;
  const infra = endpoints();
  const postgresUrl = new URL(infra.DATABASE_URL);
  const amqpUrl = new URL(infra.AMQP_URL);
  const postgresProxy = await startTcpProxy(postgresUrl, { countPostgresStatements: true });
  const brokerProxy = await startTcpProxy(amqpUrl);
  // The API server records every request of the operator's user, and only those.
  const { cp, startOperator } = await privateOperatorTestbed([namespace], { audit: { users: [operatorUser] } });
  const admin = new KubeClient(connectionFromKubeconfig(cp.kubeconfigPath), { maxSockets: 16 });
  let operator: OperatorProcess | undefined;
  try {
    operator = await startOperator(operatorEnv({
      METROX_RESYNC_SECONDS: String(resyncSeconds),
      METROX_POSTGRES_ADMIN_URL: postgresProxy.via(infra.DATABASE_URL),
      METROX_POSTGRES_SERVICE_HOST: postgresUrl.host,
      METROX_AMQP_ADMIN_URL: brokerProxy.via(infra.AMQP_URL),
      METROX_AMQP_SERVICE_URL: infra.AMQP_URL,
      METROX_EVENTS_EXCHANGE: exchange,
    }), build.main);
    const started = performance.now();
    const collection = `/apis/metrox.io/v1alpha1/namespaces/${namespace}/metroxservices`;
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < names.length) {
        const index = next++;
        const name = names[index] ?? '';
        const spec = index < wiredCount
          ? { image: `ghcr.io/metrox/bench:${name}`, database: { deletionPolicy: 'Delete' }, events: { publishes: ['BenchDone'], subscribes: ['BenchStarted'] } }
          : { image: `ghcr.io/metrox/bench:${name}` };
        await admin.request('POST', collection, { apiVersion, kind, metadata: { name }, spec });
      }
    }));
    const wiredSet = new Set(wired);
    const isTrue = (object: MetroXService, type: string) => object.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true;
    await waitFor(`${String(resyncTotal)} MetroXServices converged, ${String(wiredCount)} of them wired`, async () => {
      const list = await admin.get<{ items: MetroXService[] }>(collection);
      return list.items.length === resyncTotal && list.items.every((object) =>
        object.status?.observedGeneration === object.metadata.generation &&
        (!wiredSet.has(object.metadata.name) || (isTrue(object, 'DatabaseReady') && isTrue(object, 'BrokerReady'))));
    }, 1_200_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\noperator log (tail):\n${operator?.log().split('\n').slice(-15).join('\n') ?? ''}`, { cause: error });
    });
    const convergeSeconds = (performance.now() - started) / 1000;
    const running = operator;
    await quiet(running);
    const snapshot = async () => ({
      audited: cp.auditedRequests().length,
      metrics: await running.metrics(),
      reconciles: reconciles(await running.metrics()),
      statements: postgresProxy.statements,
      postgresConnections: postgresProxy.connections,
      brokerConnections: brokerProxy.connections,
    });
    const before = await snapshot();
    // One full periodic resync: every resource reconciled once more, then quiet again.
    await waitFor('a full resync', async () => reconciles(await running.metrics()) >= before.reconciles + resyncTotal, (resyncSeconds + 600) * 1000);
    await quiet(running);
    const after = await snapshot();
    const window = cp.auditedRequests().slice(before.audited, after.audited);
    const byKind: Record<string, number> = {};
    for (const r of window) {
      const key = `${r.verb} ${r.resource}${r.subresource === '' ? '' : `/${r.subresource}`}`;
      byKind[key] = (byKind[key] ?? 0) + 1;
    }
    console.error(`[operator] the operator's API requests during the resync: ${JSON.stringify(byKind)}`);
    const leaseRequests = window.filter((r) => r.resource === 'leases').length;
    return {
      convergeSeconds,
      reconciles: after.reconciles - before.reconciles,
      apiRequests: window.length - leaseRequests,
      leaseRequests,
      sqlStatements: after.statements - before.statements,
      postgresConnections: after.postgresConnections - before.postgresConnections,
      brokerConnections: after.brokerConnections - before.brokerConnections,
      queueWaitP99Ms: histogramQuantile(after.metrics, 'workqueue_queue_duration_seconds', 0.99, before.metrics) * 1000,
    };
  } finally {
    await operator?.stop();
    admin.close();
    await cp.stop();
    await Promise.all([postgresProxy.close(), brokerProxy.close()]);
    // The servers are shared: remove what the run made there.
    const pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 1 });
    const broker = await amqp.connect(infra.AMQP_URL);
    try {
      await removeWiring(pool, broker, { queues: wired, exchanges: [exchange, ...wired.map(ownerMarker)], databases: wired.map((name) => name.replaceAll('-', '_')) });
    } finally {
      await broker.close();
      await pool.end();
    }
  }
}

const convergeTargets: Record<number, number> = { 1000: 12, 10000: 150 };
const rssTargets: Record<number, number> = { 1000: 150, 10000: 250 };
const target = (op: BenchTarget['op'], value: number | undefined): BenchTarget | undefined => (value === undefined ? undefined : { op, value });

const plan = builds();
const baselineRef = process.env.METROX_BENCH_BASELINE_REF;
/** The command that reproduces these results, the phases' knobs and the baseline included. */
const command = (knobs: string) => `${knobs} ${baselineRef === undefined || baselineRef === '' ? '' : `METROX_BENCH_BASELINE_REF=${baselineRef} `}npm run bench -- operator`;
const scaleRuns = new Map<string, ScaleRun[]>();
const resyncRuns = new Map<string, ResyncRun[]>();
const push = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value]);
const common = 'One local etcd + kube-apiserver on the same 2-core machine as the operator and the load generator; no kube-controller-manager, so Deployments report no Pods. Each phase starts a fresh control plane.';
/** Writes the results of every phase measured so far: a long run interrupted keeps what it measured. */
function writeResults(): void {
  for (const build of plan) {
    for (const count of counts) {
      const runs = scaleRuns.get(`${build.label}|${String(count)}`) ?? [];
      if (runs.length === 0) continue;
      const file = writeBenchResult({
        area: 'operator',
        benchmark: `${String(count)} MetroXServices created at once${build.label}`,
        metrics: [
          metric(`seconds until ${String(count)} converged (observedGeneration == generation, children applied)`, 's', runs.map((r) => r.convergeSeconds), target('<=', convergeTargets[count])),
          metric('API writes per resource (excluding its creation, Leases, Events and ClusterIP allocations)', 'writes', runs.map((r) => r.writesPerResource)),
          metric('reconciles per resource until converged', 'reconciles', runs.map((r) => r.reconcilesPerResource)),
          metric('kube-apiserver CPU until converged', 's', runs.map((r) => r.apiServerCpuSeconds)),
          metric('operator CPU until converged', 's', runs.map((r) => r.operatorCpuSeconds)),
          metric('whole machine CPU until converged (every process)', 's', runs.map((r) => r.machineCpuSeconds)),
          metric('CPU stolen by the hypervisor until converged', 's', runs.map((r) => r.stolenCpuSeconds)),
          metric('operator peak RSS (VmHWM)', 'MiB', runs.map((r) => r.peakRssMiB), target('<=', rssTargets[count])),
          metric('reconcile p50 (histogram bucket bound)', 'ms', runs.map((r) => r.p50Ms)),
          metric('reconcile p99 (histogram bucket bound)', 'ms', runs.map((r) => r.p99Ms)),
          metric('time in queue p99 while converging (workqueue_queue_duration_seconds bucket bound; – when not exported)', 'ms', runs.map((r) => r.queueWaitP99Ms)),
        ],
        notes: `Operator: ${build.description}, resync period 3600 s (none inside the measurement). ${common} Convergence is followed through a watch; CPU is each process's process_cpu_seconds_total over the same interval, a measure of work that holds on a loaded machine; the whole machine's busy and stolen CPU come from /proc/stat; the histograms are read once converged. One MetroXService in another namespace is created and converged before the clock starts: the API server delays creates for 2 s after a CRD is established (kubernetes#99199), and a cluster installs the CRD long before its objects.`,
        command: command(`METROX_BENCH_OPERATOR_COUNTS=${counts.join(',')}`),
      });
      console.error(`[operator] wrote ${file}`);
    }
    const runs = resyncRuns.get(build.label) ?? [];
    if (runs.length === 0) continue;
    const file = writeBenchResult({
      area: 'operator',
      benchmark: `steady-state resync of ${String(resyncTotal)} converged MetroXServices${build.label}`,
      metrics: [
        metric('API requests of the operator during one full resync (the API server\'s audit log; Leases aside)', 'requests', runs.map((r) => r.apiRequests), { op: '<=', value: 0 }),
        metric('SQL statements the operator sent Postgres during the resync', 'statements', runs.map((r) => r.sqlStatements), { op: '<=', value: 0 }),
        metric('broker connections the operator opened during the resync', 'connections', runs.map((r) => r.brokerConnections), { op: '<=', value: 0 }),
        metric('Postgres connections the operator opened during the resync', 'connections', runs.map((r) => r.postgresConnections)),
        metric('Lease requests during the resync (leader election)', 'requests', runs.map((r) => r.leaseRequests)),
        metric('reconciles in the measured window', 'reconciles', runs.map((r) => r.reconciles)),
        metric('time in queue p99 of the resync\'s keys, once converged (workqueue_queue_duration_seconds bucket bound; – when not exported)', 'ms', runs.map((r) => r.queueWaitP99Ms), { op: '<=', value: 1000 }),
        metric(`seconds until ${String(resyncTotal)} converged and ${String(wiredCount)} wired`, 's', runs.map((r) => r.convergeSeconds)),
      ],
      notes: `Operator: ${build.description}, METROX_RESYNC_SECONDS=${String(resyncSeconds)}. ${common} ${String(resyncTotal)} MetroXServices, ${String(wiredCount)} of them with a database (deletionPolicy Delete) and a queue on the local Postgres and RabbitMQ (creating a database takes about 0.4 s on this machine, so not all 1,000 are wired), converged and the work queue empty; then the window runs until every resource was reconciled once more by the periodic resync and the queue is empty again. API requests: the API server's audit log of the operator's user (every verb; Leases counted apart). SQL statements (simple queries and executes) and connections: counted on the wire by TCP proxies in front of Postgres and RabbitMQ that only the operator's admin URLs go through; everything the run made there is removed afterwards.`,
      command: command(`METROX_BENCH_OPERATOR_RESYNC_COUNT=${String(resyncTotal)} METROX_BENCH_OPERATOR_WIRED=${String(wiredCount)}`),
    });
    console.error(`[operator] wrote ${file}`);
  }
}

// Builds alternate run by run, so a change in the machine's load falls on both alike.
for (let i = 0; i < benchRuns(); i++) {
  for (const build of plan) {
    for (const count of counts) {
      const run = await scaleRun(build, count);
      console.error(`[operator] run ${String(i + 1)}${build.label}, ${String(count)} at once: ${JSON.stringify(run)}`);
      push(scaleRuns, `${build.label}|${String(count)}`, run);
      writeResults();
    }
    const run = await resyncRun(build);
    console.error(`[operator] run ${String(i + 1)}${build.label}, resync: ${JSON.stringify(run)}`);
    push(resyncRuns, build.label, run);
    writeResults();
  }
}

