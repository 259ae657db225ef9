// The operator's controller under load: 1,000 MetroXServices (no database or
// broker wiring) created at once on a local API server, the operator running as
// its own process with its own RBAC.
//
//   npm run bench -- operator
import { readFileSync, writeFileSync } from 'node:fs';
import { apiVersion, kind, type MetroXService } from '../operator/src/api/metroxservice.ts';
import { KubeClient, connectionFromKubeconfig } from '../operator/src/runtime/kube-client.ts';
import { waitFor } from '../operator/src/testing/kube.ts';
import { operatorNodeFlags, operatorTestbed, startOperator } from '../operator/src/testing/operator-process.ts';
import { machineCpuSeconds } from './machine.ts';
import { benchRuns, metric, writeBenchResult } from './result.ts';

const count = Number(process.env.METROX_BENCH_OPERATOR_COUNT ?? 1000);
const namespace = 'bench';
/** Holds the one MetroXService converged before the clock starts. */
const warmupNamespace = 'bench-warmup';
// Longer than convergence takes, so the steady-state resync measured afterwards does not run inside it.
const resyncSeconds = 30;
/** Another build of the operator (its src/main.ts), to compare two side by side. */
const operatorMain = process.env.METROX_BENCH_OPERATOR_MAIN;
/** Reconciles at once: the operator's default (METROX_CONCURRENCY unset) unless given. */
const concurrency = process.env.METROX_BENCH_OPERATOR_CONCURRENCY;
/** How the operator runs: as its image does unless another build or other node flags are given. */
const operatorRun = `${operatorMain ?? 'the bundle from operator/bundle.ts, as in its image'}, node ${operatorNodeFlags.join(' ')}, ${concurrency === undefined ? 'default concurrency' : `METROX_CONCURRENCY=${concurrency}`}`;


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

/** A quantile from a Prometheus histogram's cumulative buckets (upper bound of the bucket). */
function histogramQuantile(text: string, name: string, q: number): number {
  const buckets = text
    .split('\n')
    .filter((line) => line.startsWith(`${name}_bucket{`))
    .map((line) => ({ le: /le="([^"]+)"/.exec(line)?.[1] ?? '', count: Number(line.split(' ').pop()) }))
    .map((b) => ({ le: b.le === '+Inf' ? Infinity : Number(b.le), count: b.count }));
  const total = buckets.at(-1)?.count ?? 0;
  return buckets.find((b) => b.count >= q * total)?.le ?? Number.NaN;
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

interface Run {
  convergeSeconds: number;
  writesPerResource: number;
  reconcilesPerResource: number;
  resyncWrites: number;
  peakRssMiB: number;
  /** CPU the API server and the operator spent until convergence: the work done, whatever else loads the machine. */
  apiServerCpuSeconds: number;
  operatorCpuSeconds: number;
  /** CPU the whole machine spent until convergence (etcd, the bench's own client and everything else included), and CPU stolen by the hypervisor. */
  machineCpuSeconds: number;
  stolenCpuSeconds: number;
  p50Ms: number;
  p99Ms: number;
}

async function once(): Promise<Run> {
  const { cp, kubeconfig } = await operatorTestbed([namespace, warmupNamespace]);
  const admin = new KubeClient(connectionFromKubeconfig(cp.kubeconfigPath), { maxSockets: 32 });
  try {
    const nodeOptions = process.env.METROX_BENCH_OPERATOR_NODE_OPTIONS;
    const operator = await startOperator(kubeconfig, { ...(concurrency === undefined ? {} : { METROX_CONCURRENCY: concurrency }), METROX_RESYNC_SECONDS: String(resyncSeconds), ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }) }, operatorMain);
    let peakRss = 0;
    let stopWatching: AbortController | undefined;
    const sampler = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(operator.child.pid)}/status`, 'utf8'))?.[1];
        peakRss = Math.max(peakRss, Number(hwm ?? 0) / 1024);
      } catch {
        // The process ended.
      }
    }, 200);
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
      // Convergence is followed through a watch: polling a list of 1,000 objects would
      // load the API server, which is also the system under load.
      const collection = `/apis/metrox.io/v1alpha1/namespaces/${namespace}/metroxservices`;
      const { metadata: { resourceVersion: from } } = await admin.get<{ metadata: { resourceVersion: string } }>(`${collection}?limit=1`);
      const converged = new Set<string>();
      const watchAbort = new AbortController();
      stopWatching = watchAbort;
      let allConverged: Promise<void> = new Promise<void>((resolve, reject) => {
        let resourceVersion = from;
        // A watcher that falls behind is closed by the API server: resume where it stopped.
        const watch = (): void => {
          admin.watch<MetroXService>(`${collection}?watch=true&timeoutSeconds=900&resourceVersion=${resourceVersion}`, (event) => {
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
      const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
      // Created "at once": as fast as the API server takes them, 64 in flight.
      let next = 0;
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (next < names.length) {
          const name = names[next++] ?? '';
          await admin.request('POST', `/apis/metrox.io/v1alpha1/namespaces/${namespace}/metroxservices`, { apiVersion, kind, metadata: { name }, spec: { image: `ghcr.io/metrox/bench:${name}` } });
        }
      }));
      const creates = count;
      await Promise.race([
        allConverged,
        new Promise((_, reject) => setTimeout(() => {
          reject(new Error(`${String(converged.size)} of ${String(count)} MetroXServices converged in 300 s\noperator log (tail):\n${operator.log().split('\n').slice(-15).join('\n')}`));
        }, 300_000).unref()),
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
      const reconcilesAtConverge = reconciles(atConverge);
      const mib = (name: string) => (counter(atConverge, new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)`, 'gm')) / 2 ** 20).toFixed(0);
      console.error(`[operator] memory when converged (MiB): rss ${mib('process_resident_memory_bytes')}, heap used ${mib('nodejs_heap_size_used_bytes')} of ${mib('nodejs_heap_size_total_bytes')}, external ${mib('nodejs_external_memory_bytes')}`);
      // Steady state: wait for one full periodic resync of every resource.
      await waitFor('a full resync', async () => reconciles(await operator.metrics()) >= reconcilesAtConverge + count, (resyncSeconds + 120) * 1000);
      const afterResyncByKind = await apiServerRequestsByKind(admin);
      const resyncWrites = [...afterResyncByKind.values()].reduce((sum, n) => sum + n, 0) - afterConverge;
      if (resyncWrites !== 0) console.error(`[operator] writes during the resync: ${JSON.stringify(difference(afterResyncByKind, afterConvergeByKind))}`);
      const text = await operator.metrics();
      return {
        convergeSeconds,
        writesPerResource,
        reconcilesPerResource: (reconcilesAtConverge - reconcilesBefore) / count,
        resyncWrites,
        peakRssMiB: peakRss,
        apiServerCpuSeconds,
        operatorCpuSeconds,
        machineCpuSeconds: machineAfter.busy - machineBefore.busy,
        stolenCpuSeconds: machineAfter.steal - machineBefore.steal,
        p50Ms: histogramQuantile(text, 'controller_runtime_reconcile_time_seconds', 0.5) * 1000,
        p99Ms: histogramQuantile(text, 'controller_runtime_reconcile_time_seconds', 0.99) * 1000,
      };
    } finally {
      stopWatching?.abort();
      clearInterval(sampler);
      await operator.stop();
    }
  } finally {
    admin.close();
    await cp.stop();
  }
}

const runs: Run[] = [];
for (let i = 0; i < benchRuns(); i++) {
  const run = await once();
  console.error(`[operator] run ${i + 1}: ${JSON.stringify(run)}`);
  runs.push(run);
}
const file = writeBenchResult({
  area: 'operator',
  benchmark: `${count} MetroXServices created at once`,
  metrics: [
    metric(`seconds until ${count} converged (observedGeneration == generation, children applied)`, 's', runs.map((r) => r.convergeSeconds), { op: '<=', value: 15 }),
    metric('API writes per resource (excluding its creation, Leases, Events and ClusterIP allocations)', 'writes', runs.map((r) => r.writesPerResource)),
    metric('reconciles per resource until converged', 'reconciles', runs.map((r) => r.reconcilesPerResource)),
    metric('API writes during a steady-state resync of all resources', 'writes', runs.map((r) => r.resyncWrites), { op: '<=', value: 0 }),
    metric('kube-apiserver CPU until converged', 's', runs.map((r) => r.apiServerCpuSeconds)),
    metric('operator CPU until converged', 's', runs.map((r) => r.operatorCpuSeconds)),
    metric('whole machine CPU until converged (every process)', 's', runs.map((r) => r.machineCpuSeconds)),
    metric('CPU stolen by the hypervisor until converged', 's', runs.map((r) => r.stolenCpuSeconds)),
    metric('operator peak RSS', 'MiB', runs.map((r) => r.peakRssMiB), { op: '<=', value: 150 }),
    metric('reconcile p50 (histogram bucket bound)', 'ms', runs.map((r) => r.p50Ms)),
    metric('reconcile p99 (histogram bucket bound)', 'ms', runs.map((r) => r.p99Ms)),
  ],
  notes: (count < 1000 ? `Run with METROX_BENCH_OPERATOR_COUNT=${count}. ` : '') + `One local etcd + kube-apiserver on the same 2-core machine as the operator (${operatorRun}) and the load generator; no kube-controller-manager, so Deployments report no Pods. Each run starts a fresh control plane. Convergence is followed through a watch; CPU is each process's process_cpu_seconds_total over the same interval, a measure of work that holds on a loaded machine; the whole machine's busy and stolen CPU come from /proc/stat. One MetroXService in another namespace is created and converged before the clock starts: the API server delays creates for 2 s after a CRD is established (kubernetes#99199), and a cluster installs the CRD long before its objects.`,
  command: 'npm run bench -- operator',
});
console.error(`[operator] wrote ${file}`);
