// Purchases end to end on this machine: the four services as processes, Postgres,
// RabbitMQ, Jaeger and the load generator all sharing it, as issue 7 asks.
//
//   saturation    64 riders buying back to back (a closed model: the system sets the
//                 pace, so an overloaded service slows the riders instead of collapsing
//                 under timeouts) for a fixed window, telemetry on and then off
//                 (OTEL_SDK_DISABLED=true): purchases created per second and riders
//                 notified per second (the end-to-end figure), and the on ÷ off ratio
//   fixed rate    250 purchases/s, telemetry on: REST and purchase → notification p50/p99
//   half rate     half of the riders notified/s the same run sustained, telemetry on:
//                 the same latencies below saturation
//
// Every measured phase also counts the CPU time spent by every process a purchase runs
// through (services, Postgres, RabbitMQ, Jaeger, this load generator; see process-cpu.ts)
// and by the whole machine (/proc/stat), each ÷ riders notified; and each telemetry-on
// saturation phase ends with one purchase of a known trace id, whose trace in Jaeger gives
// the network crossings on its critical path (crossings.ts).
//
// METROX_BENCH_BASELINE_REF=<git ref> also measures that ref's fleet (checked out in a
// temporary worktree) in the same run, its phases alternating with this checkout's, and
// writes a before/after result.
//
// Tunables: METROX_BENCH_CONCURRENCY (default 64 riders), METROX_BENCH_FIXED_RATE (250/s),
// METROX_BENCH_WINDOW_S (15 s of buying per phase), METROX_BENCH_DRAIN_S (20 s to wait
// for notifications after a phase).
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { createJaegerQuery, resolveSpans } from '../test/observability/jaeger-query.ts';
import { observabilityEndpoints } from '../test/observability/endpoints.ts';
import { createMetroClient } from '../test/load/client.ts';
import { createPurchaseGenerator, createRandom, defaultMethodMix } from '../test/load/data.ts';
import { stationIdsFromFile } from '../test/load/network.ts';
import { formatReport } from '../test/load/report.ts';
import { runLoad, type LoadMode, type LoadResult } from '../test/load/run.ts';
import { checkoutBaseline, type Baseline } from './baseline.ts';
import { countCrossings, type Crossings } from './crossings.ts';
import { startBenchFleet, startBenchInfrastructure, type BenchFleet, type BenchFleetOptions } from './fleet.ts';
import { machineCpuSeconds } from './machine.ts';
import { cpuBetween, sampleCpu, type CpuGroup } from './process-cpu.ts';
import { benchRuns, median, metric, writeBenchResult } from './result.ts';

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number above 0`);
  return value;
};
const concurrency = number('METROX_BENCH_CONCURRENCY', 64);
const fixedRate = number('METROX_BENCH_FIXED_RATE', 250);
const windowMs = number('METROX_BENCH_WINDOW_S', 15) * 1000;
const drainMs = number('METROX_BENCH_DRAIN_S', 20) * 1000;
const stations = stationIdsFromFile();
const relaxedShare = 0.5;
const notified = (r: LoadResult) => r.throughput.notifiedPerSecond;

/** What one phase measured besides the load result. */
interface Phase {
  result: LoadResult;
  /** CPU ms per rider notified, by group, over the measured window (drain included). */
  cpuMsPerPurchase: Record<CpuGroup, number>;
  /** CPU ms per rider notified by program: each service, the cipher helper, postgres, rabbitmq, … */
  programCpuMsPerPurchase: Record<string, number>;
  /** Sum of the groups. */
  processCpuMsPerPurchase: number;
  /** The whole machine's busy CPU ms per rider notified (anything else running counts too). */
  machineCpuMsPerPurchase: number;
  /** 1-minute load average at the phase's end. */
  loadAverage: number;
  crossings: Crossings | undefined;
}

type StartFleet = (options: BenchFleetOptions) => Promise<BenchFleet>;

/** One purchase with a trace id of our own, followed into Jaeger once it was notified. */
async function traceOnePurchase(fleet: BenchFleet): Promise<Crossings> {
  const traceId = randomBytes(16).toString('hex');
  const response = await fetch(fleet.url('transaction', '/v1/transactions'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    body: JSON.stringify({ riderId: `traced-${randomUUID().slice(0, 8)}`, fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' }),
  });
  if (response.status !== 201) throw new Error(`the traced purchase was answered ${response.status}: ${await response.text()}`);
  const jaeger = createJaegerQuery(observabilityEndpoints().JAEGER_URL);
  // Complete once the send and what it records have arrived (spans come in batches).
  const stored = await jaeger.waitForTrace(traceId, (t) => {
    const spans = resolveSpans(t);
    return countCrossings(spans).complete && spans.some((span) => span.service === 'operations' && span.name.startsWith('NotificationSent'));
  }, 60_000);
  return countCrossings(resolveSpans(stored));
}

async function phase(label: string, start: StartFleet, otlpEndpoint: string | undefined, mode: LoadMode, seed: number, trace = false): Promise<Phase> {
  const fleet = await start({ otlpEndpoint });
  try {
    const client = createMetroClient({ transactionUrl: fleet.url('transaction'), notificationUrl: fleet.url('notification'), timeoutMs: 10_000 });
    const plan = (m: LoadMode, durationMs: number, s: number) => ({
      mode: m,
      durationMs,
      maxInFlight: 2000,
      trackNotifications: true,
      notificationTimeoutMs: drainMs,
      maxConcurrentPolls: 32,
      nextPurchase: createPurchaseGenerator({ stations, riders: 10_000, methods: defaultMethodMix, random: createRandom(s) }),
    });
    // Warm-up: JIT, connection pools, broker channels; not measured.
    await runLoad(client, { ...plan({ kind: 'rate', ratePerSecond: 20 }, 3000, seed + 1000), notificationTimeoutMs: 5000 });
    const databasePrefix = `bench_${fleet.runId}_`;
    const cpuBefore = sampleCpu(databasePrefix);
    const machineBefore = machineCpuSeconds().busy;
    const result = await runLoad(client, plan(mode, windowMs, seed));
    const spent = cpuBetween(cpuBefore, sampleCpu(databasePrefix));
    const machineSpent = machineCpuSeconds().busy - machineBefore;
    const notifiedCount = Math.max(1, result.notification?.notified ?? 0);
    const perPurchase = (seconds: number) => (seconds * 1000) / notifiedCount;
    const cpuMsPerPurchase = Object.fromEntries(Object.entries(spent.groups).map(([group, seconds]) => [group, perPurchase(seconds)])) as Record<CpuGroup, number>;
    const programCpuMsPerPurchase = Object.fromEntries(Object.entries(spent.programs).map(([program, seconds]) => [program, perPurchase(seconds)]));
    const processCpuMsPerPurchase = Object.values(cpuMsPerPurchase).reduce((a, b) => a + b, 0);
    const loadAverage = loadavg()[0] ?? 0;
    const crossings = trace ? await traceOnePurchase(fleet) : undefined;
    const breakdown = Object.entries(programCpuMsPerPurchase).map(([program, ms]) => `${program} ${ms.toFixed(1)}`).join(', ');
    console.error(
      `\n[purchases] ${label}\n${formatReport(result)}\n` +
        `CPU per purchase: ${processCpuMsPerPurchase.toFixed(1)} ms over the processes (${breakdown}), machine ${((machineSpent * 1000) / notifiedCount).toFixed(1)} ms; load average ${loadAverage.toFixed(2)}` +
        (crossings ? `\ncrossings on the critical path: ${crossings.criticalPath} (${crossings.path.join('; ')}), statements on it ${crossings.criticalPathStatements}; in the whole trace ${crossings.total} crossings, ${crossings.totalStatements} statements` : ''),
    );
    return { result, cpuMsPerPurchase, programCpuMsPerPurchase, processCpuMsPerPurchase, machineCpuMsPerPurchase: (machineSpent * 1000) / notifiedCount, loadAverage, crossings };
  } finally {
    await fleet.close();
  }
}
const infrastructure = startBenchInfrastructure();
const otlp = infrastructure.otlpEndpoint;
const baselineRef = process.env.METROX_BENCH_BASELINE_REF;

/** The phases of one fleet (this checkout's, or the baseline's). */
interface Series {
  off: Phase[];
  on: Phase[];
  fixed: Phase[];
  relaxed: Phase[];
  relaxedRates: number[];
}
const emptySeries = (): Series => ({ off: [], on: [], fixed: [], relaxed: [], relaxedRates: [] });
const current = emptySeries();
const before = emptySeries();
let baseline: Baseline | undefined;

async function measure(series: Series, label: string, start: StartFleet, run: number, withFixedRate: boolean): Promise<void> {
  series.off.push(await phase(`${label}, run ${run + 1}: saturation, telemetry off`, start, undefined, { kind: 'concurrency', workers: concurrency }, run));
  const saturated = await phase(`${label}, run ${run + 1}: saturation, telemetry on`, start, otlp, { kind: 'concurrency', workers: concurrency }, run, true);
  series.on.push(saturated);
  if (withFixedRate) series.fixed.push(await phase(`${label}, run ${run + 1}: ${fixedRate}/s, telemetry on`, start, otlp, { kind: 'rate', ratePerSecond: fixedRate }, run + 100));
  // Latency below saturation: half of what this run sustained with telemetry on.
  const rate = Math.max(5, Math.round(notified(saturated.result) * relaxedShare));
  series.relaxedRates.push(rate);
  series.relaxed.push(await phase(`${label}, run ${run + 1}: ${rate}/s (half of saturation), telemetry on`, start, otlp, { kind: 'rate', ratePerSecond: rate }, run + 200));
}

try {
  if (baselineRef !== undefined) baseline = await checkoutBaseline(baselineRef);
  for (let run = 0; run < benchRuns(); run++) {
    // Alternating, so a change in what else runs on the machine touches both alike. With a
    // baseline, the 250/s phase (far past saturation either way) is left out to save time.
    const checkedOut = baseline;
    if (checkedOut) await measure(before, `baseline ${checkedOut.commit}`, (options) => checkedOut.startBenchFleet(options), run, false);
    await measure(current, 'this checkout', startBenchFleet, run, baseline === undefined);
  }
} finally {
  baseline?.remove();
  infrastructure.stop();
}

const results = (phases: Phase[]) => phases.map((p) => p.result);
const missing = (rs: LoadResult[]) => rs.reduce((sum, r) => sum + (r.notification?.missing ?? 0) + r.purchases.failed + r.purchases.dropped, 0);
const loads = (phases: Phase[]) => phases.map((p) => p.loadAverage.toFixed(1)).join(', ');
const cpuNote =
  'CPU per purchase: user + system time over the measured window (buying and the wait for its notifications) ÷ riders notified, summed over the fleet\'s processes ' +
  '(services and cipher helper), this load generator, Postgres (the fleet\'s own backends and the server\'s background processes), and the whole RabbitMQ and Jaeger processes ' +
  '(shared with whatever else used them meanwhile); machine: /proc/stat busy time ÷ riders notified, everything on the machine included. ' +
  'Crossings: one purchase with a known trace id after each telemetry-on saturation phase; a crossing is a span whose parent ran in another process ' +
  '(a request served or an event handled), counted on the chain from POST /v1/transactions to the notification send; statements: pg spans on that chain.';
const groupsOf = (phases: Phase[], prefix = '') =>
  ['transaction', 'payment', 'cipher', 'operations', 'notification', 'postgres', 'rabbitmq', 'jaeger', 'load generator'].map((program) =>
    metric(`${prefix}CPU per purchase, telemetry on: ${program}`, 'ms', phases.map((p) => p.programCpuMsPerPurchase[program] ?? 0)),
  );
const crossingsOf = (phases: Phase[]) => phases.flatMap((p) => (p.crossings ? [p.crossings] : []));

writeBenchResult({
  area: 'purchases',
  benchmark: 'end to end at saturation',
  metrics: [
    metric('riders notified/s, telemetry on', 'purchases/s', results(current.on).map(notified), { op: '>=', value: 150 }),
    metric('riders notified/s, telemetry off', 'purchases/s', results(current.off).map(notified)),
    metric('telemetry on ÷ off', 'ratio', results(current.on).map((r, i) => notified(r) / notified(results(current.off)[i] ?? r)), { op: '>=', value: 0.85 }),
    metric('purchases created/s, telemetry on', 'purchases/s', results(current.on).map((r) => r.throughput.createdPerSecond)),
    metric('purchases created/s, telemetry off', 'purchases/s', results(current.off).map((r) => r.throughput.createdPerSecond)),
    metric('CPU per purchase, all processes, telemetry on', 'ms', current.on.map((p) => p.processCpuMsPerPurchase), { op: '<=', value: 12 }),
    metric('CPU per purchase, all processes, telemetry off', 'ms', current.off.map((p) => p.processCpuMsPerPurchase)),
    ...groupsOf(current.on),
    metric('CPU per purchase, whole machine, telemetry on', 'ms', current.on.map((p) => p.machineCpuMsPerPurchase)),
    metric('network crossings on the critical path', 'crossings', crossingsOf(current.on).map((c) => c.criticalPath)),
    metric('database statements on the critical path', 'statements', crossingsOf(current.on).map((c) => c.criticalPathStatements)),
    metric('network crossings in the whole trace', 'crossings', crossingsOf(current.on).map((c) => c.total)),
  ],
  notes:
    `${concurrency} riders buying back to back for ${windowMs / 1000} s, then up to ${drainMs / 1000} s for the last notifications; ` +
    `default service settings (simulated gateway latency upi 300 / card 600 / wallet 80 ms). ${cpuNote} ` +
    `Critical path: ${crossingsOf(current.on)[0]?.path.join('; ') ?? 'not traced'}. ` +
    `Purchases not created or not notified within the wait, over all runs: on ${missing(results(current.on))}, off ${missing(results(current.off))}. ` +
    `Load average at the end of each phase: on ${loads(current.on)}, off ${loads(current.off)}.`,
  command: baseline ? `METROX_BENCH_BASELINE_REF=${baseline.ref} npm run bench -- purchases` : 'npm run bench -- purchases',
});
if (current.fixed.length > 0) {
  const fixed = results(current.fixed);
  writeBenchResult({
    area: 'purchases',
    benchmark: `latency at ${fixedRate} per second`,
    metrics: [
      metric('POST /v1/transactions p50', 'ms', fixed.map((r) => r.rest.p50)),
      metric('POST /v1/transactions p99', 'ms', fixed.map((r) => r.rest.p99)),
      metric('purchase → notification p50', 'ms', fixed.map((r) => r.notification?.latency.p50 ?? Number.NaN)),
      metric('purchase → notification p99', 'ms', fixed.map((r) => r.notification?.latency.p99 ?? Number.NaN), { op: '<=', value: 1000 }),
    ],
    notes:
      `${fixedRate} purchases/s for ${windowMs / 1000} s, telemetry on; REST latency from each purchase's due time, notification latency to the service's sentAt. ` +
      `Percentiles are over notified purchases only; not notified within ${drainMs / 1000} s, over all runs: ${fixed.reduce((s, r) => s + (r.notification?.missing ?? 0), 0)}.`,
    command: 'npm run bench -- purchases',
  });
}
const relaxedMetrics = (series: Series, prefix = '') => [
  metric(`${prefix}fixed rate (half of the telemetry-on saturation of the same run)`, 'purchases/s', series.relaxedRates),
  metric(`${prefix}POST /v1/transactions p50`, 'ms', results(series.relaxed).map((r) => r.rest.p50)),
  metric(`${prefix}POST /v1/transactions p99`, 'ms', results(series.relaxed).map((r) => r.rest.p99)),
  metric(`${prefix}purchase → notification p50`, 'ms', results(series.relaxed).map((r) => r.notification?.latency.p50 ?? Number.NaN)),
  metric(`${prefix}purchase → notification p99`, 'ms', results(series.relaxed).map((r) => r.notification?.latency.p99 ?? Number.NaN), prefix === '' ? { op: '<=', value: 1000 } : undefined),
];
writeBenchResult({
  area: 'purchases',
  benchmark: 'latency at half of saturation',
  metrics: relaxedMetrics(current),
  notes:
    `A fixed rate of ${relaxedShare * 100} % of the riders notified/s that the same run sustained with telemetry on, for ${windowMs / 1000} s, telemetry on; ` +
    `REST latency from each purchase's due time, notification latency to the service's sentAt (the simulated gateway alone takes 80–720 ms). ` +
    `Not notified within ${drainMs / 1000} s, over all runs: ${results(current.relaxed).reduce((s, r) => s + (r.notification?.missing ?? 0), 0)}. ` +
    `Load average at the end of each phase: ${loads(current.relaxed)}.`,
  command: baseline ? `METROX_BENCH_BASELINE_REF=${baseline.ref} npm run bench -- purchases` : 'npm run bench -- purchases',
});
if (baseline) {
  const side = (series: Series, name: string) => [
    metric(`${name}: riders notified/s, telemetry on`, 'purchases/s', results(series.on).map(notified)),
    metric(`${name}: riders notified/s, telemetry off`, 'purchases/s', results(series.off).map(notified)),
    metric(`${name}: CPU per purchase, all processes, telemetry on`, 'ms', series.on.map((p) => p.processCpuMsPerPurchase)),
    metric(`${name}: CPU per purchase, all processes, telemetry off`, 'ms', series.off.map((p) => p.processCpuMsPerPurchase)),
    metric(`${name}: CPU per purchase, whole machine, telemetry on`, 'ms', series.on.map((p) => p.machineCpuMsPerPurchase)),
    ...groupsOf(series.on, `${name}: `),
    metric(`${name}: network crossings on the critical path`, 'crossings', crossingsOf(series.on).map((c) => c.criticalPath)),
    metric(`${name}: database statements on the critical path`, 'statements', crossingsOf(series.on).map((c) => c.criticalPathStatements)),
    ...relaxedMetrics(series, `${name}: half of saturation, `).filter((m) => m.name.endsWith('p99') || m.name.includes('fixed rate')),
  ];
  const ratio = median(current.on.map((p) => p.processCpuMsPerPurchase)) / median(before.on.map((p) => p.processCpuMsPerPurchase));
  writeBenchResult({
    area: 'purchases',
    benchmark: `before and after, against ${baseline.commit}`,
    metrics: [...side(before, `before (${baseline.commit})`), ...side(current, 'after'), metric('CPU per purchase with telemetry on, after ÷ before', 'ratio', [ratio], { op: '<=', value: 0.5 })],
    notes:
      `Both fleets in one run, phases alternating (baseline first in each run), the same load as the saturation and half-rate rows. ${cpuNote} ` +
      `Critical path before: ${crossingsOf(before.on)[0]?.path.join('; ') ?? 'not traced'}. After: ${crossingsOf(current.on)[0]?.path.join('; ') ?? 'not traced'}. ` +
      `Load average at the end of each telemetry-on saturation phase: before ${loads(before.on)}, after ${loads(current.on)}.`,
    command: `METROX_BENCH_BASELINE_REF=${baseline.ref} npm run bench -- purchases`,
  });
}
