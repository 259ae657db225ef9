// Overload on this machine (issue 20): the four services as processes, telemetry on,
// Postgres, RabbitMQ, Jaeger and the load generator all sharing it.
//
//   saturation   64 riders buying back to back (closed model) for the window: riders
//                notified per second, the rate this machine sustains end to end
//   overload     three times that rate (open model) for the window: the share of
//                purchases shed (503 overloaded), the latency of the accepted ones, client
//                time-outs; then, the load stopped, whether every accepted purchase is
//                notified (lost = accepted − notified within the drain)
//
// Both phases run against one fleet, the saturation phase's notifications drained first.
// Tunables: METROX_BENCH_SATURATION (purchases/s: use it instead of measuring),
// METROX_BENCH_OVERLOAD_FACTOR (3), METROX_BENCH_WINDOW_S (15 s of buying per phase),
// METROX_BENCH_DRAIN_S (60 s to wait for the last notifications), and the services'
// own settings (HTTP_MAX_IN_FLIGHT…) from the environment.
import { createMetroClient } from '../test/load/client.ts';
import { createPurchaseGenerator, createRandom, defaultMethodMix } from '../test/load/data.ts';
import { stationIdsFromFile } from '../test/load/network.ts';
import { formatReport } from '../test/load/report.ts';
import { runLoad, type LoadMode, type LoadPlan, type LoadResult } from '../test/load/run.ts';
import { startBenchFleet, startBenchInfrastructure, type BenchFleet } from './fleet.ts';
import { benchRuns, metric, writeBenchResult } from './result.ts';

const number = (name: string, fallback: number | undefined): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number above 0`);
  return value;
};
const givenSaturation = number('METROX_BENCH_SATURATION', undefined);
const factor = number('METROX_BENCH_OVERLOAD_FACTOR', 3) ?? 3;
const windowMs = (number('METROX_BENCH_WINDOW_S', 15) ?? 15) * 1000;
const drainMs = (number('METROX_BENCH_DRAIN_S', 60) ?? 60) * 1000;
const riders = 64;
const clientTimeoutMs = 10_000;
const stations = stationIdsFromFile();

interface OverloadRun {
  saturation: number;
  offered: number;
  result: LoadResult;
  /** The transaction service's own count of requests shed, by reason. */
  shedByReason: Record<string, number>;
}

function plan(mode: LoadMode, durationMs: number, seed: number): LoadPlan {
  return {
    mode,
    durationMs,
    maxInFlight: 4000,
    trackNotifications: true,
    notificationTimeoutMs: drainMs,
    maxConcurrentPolls: 32,
    nextPurchase: createPurchaseGenerator({ stations, riders: 10_000, methods: defaultMethodMix, random: createRandom(seed) }),
  };
}

/** metrox_http_requests_shed_total of one service, by reason, from its /metrics. */
async function shedByReason(fleet: BenchFleet): Promise<Record<string, number>> {
  const text = await (await fetch(fleet.url('transaction', '/metrics'))).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^metrox_http_requests_shed_total\{reason="([a-z_]+)"\} (\S+)/gm)) counts[match[1] ?? '?'] = Number(match[2]);
  return counts;
}

async function overloadRun(run: number, otlpEndpoint: string): Promise<OverloadRun> {
  const fleet = await startBenchFleet({ otlpEndpoint });
  try {
    const client = createMetroClient({ transactionUrl: fleet.url('transaction'), notificationUrl: fleet.url('notification'), timeoutMs: clientTimeoutMs });
    // Warm-up: JIT, connection pools, broker channels; not measured.
    await runLoad(client, { ...plan({ kind: 'rate', ratePerSecond: 20 }, 3000, run + 1000), notificationTimeoutMs: 5000 });
    let saturation = givenSaturation;
    if (saturation === undefined) {
      const saturated = await runLoad(client, plan({ kind: 'concurrency', workers: riders }, windowMs, run));
      console.error(`\n[overload] run ${run + 1}: saturation, ${riders} riders\n${formatReport(saturated)}`);
      saturation = saturated.throughput.notifiedPerSecond;
    }
    const offered = Math.round(saturation * factor);
    const result = await runLoad(client, plan({ kind: 'rate', ratePerSecond: offered }, windowMs, run + 100));
    const shed = await shedByReason(fleet);
    console.error(`\n[overload] run ${run + 1}: ${offered}/s (${factor}× ${saturation.toFixed(1)}/s)\n${formatReport(result)}\nshed by the transaction service: ${JSON.stringify(shed)}`);
    return { saturation, offered, result, shedByReason: shed };
  } finally {
    await fleet.close();
  }
}

const infrastructure = startBenchInfrastructure();
const runs: OverloadRun[] = [];
try {
  for (let run = 0; run < benchRuns(); run++) runs.push(await overloadRun(run, infrastructure.otlpEndpoint));
} finally {
  infrastructure.stop();
}

const of = (pick: (r: LoadResult) => number) => runs.map((r) => pick(r.result));
const shed = (r: LoadResult) => r.purchases.byStatus['503'] ?? 0;
const lost = (r: LoadResult) => r.notification?.missing ?? Number.NaN;
const otherFailures = runs.reduce((sum, { result: r }) => sum + r.purchases.failed - shed(r) - r.purchases.timedOut, 0);
const reasons = runs.map((r) => Object.entries(r.shedByReason).map(([reason, count]) => `${reason} ${count}`).join(', ')).join('; ');
writeBenchResult({
  area: 'overload',
  benchmark: `${factor} times saturation`,
  metrics: [
    metric(givenSaturation === undefined ? `sustained rate (riders notified/s, ${riders} riders back to back)` : 'sustained rate (given)', 'purchases/s', runs.map((r) => r.saturation)),
    metric(`offered rate (${factor}× sustained)`, 'purchases/s', runs.map((r) => r.offered)),
    metric('share shed (503 overloaded)', '%', of((r) => (100 * shed(r)) / Math.max(1, r.purchases.sent))),
    metric('accepted purchases/s', 'purchases/s', of((r) => r.throughput.createdPerSecond)),
    metric('POST /v1/transactions p50, accepted', 'ms', of((r) => r.restCreated.p50)),
    metric('POST /v1/transactions p99, accepted', 'ms', of((r) => r.restCreated.p99), { op: '<=', value: 1000 }),
    metric('POST /v1/transactions p99, every answer (shed ones included)', 'ms', of((r) => r.rest.p99)),
    metric('client time-outs (10 s)', 'purchases', of((r) => r.purchases.timedOut), { op: '<=', value: 0 }),
    metric(`accepted but not notified within ${drainMs / 1000} s of the load stopping (lost)`, 'purchases', of(lost), { op: '<=', value: 0 }),
    metric('purchase → notification p99, accepted', 'ms', of((r) => r.notification?.latency.p99 ?? Number.NaN)),
  ],
  notes:
    `Per run, one fleet with default service settings and telemetry on: ${riders} riders buying back to back for ${windowMs / 1000} s give the sustained rate ` +
    `(riders notified/s end to end), then ${factor}× that rate for ${windowMs / 1000} s (open model, latency from each purchase's due time, ` +
    `client timeout ${clientTimeoutMs / 1000} s), then up to ${drainMs / 1000} s for the accepted purchases' notifications. ` +
    `Shed by the transaction service, by reason, per run: ${reasons}. Other failed purchases over all runs: ${otherFailures}.`,
  command: 'npm run bench -- overload',
});
