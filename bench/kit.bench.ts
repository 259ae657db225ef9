// The service kit's costs, on real Postgres, RabbitMQ and NATS:
//  1. outbox → broker → inbox: throughput (events/s) and end-to-end latency (event time →
//     handler commit) for each broker, through the kit's own relay and inbox;
//  2. HTTP routes doing one database write, full telemetry (every span sampled and
//     exported over OTLP/HTTP) against OTEL_SDK_DISABLED=true, measured in the same run
//     and reported as a ratio (target ≥ 0.85: telemetry costs under 15 %): a bare INSERT,
//     and a row with its event through the outbox as a MetroX write route does it.
//
//   npm run bench -- kit
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createBroker, createLogger, createOutboxPublisher, kitMigrations, migrate, OutboxRelay, createPool, withTransaction, type Pool } from '@metrox/kit';
import { startInbox } from '../services/kit/src/messaging/inbox.ts';
import { createTestDatabase, testBroker, uniqueSuffix, type TestDatabase } from '../services/kit/src/testing/infra.ts';
import { sampleTransactionCreated } from '../services/kit/src/testing/samples.ts';
import { startOtlpSink } from './otlp-sink.ts';
import { benchRuns, metric, writeBenchResult, type BenchMetric } from './result.ts';

const root = join(import.meta.dirname, '..');
const runs = benchRuns();
const logger = createLogger({ serviceName: 'kit-bench', serviceVersion: '0', level: 'warn' });
const log = (message: string) => {
  console.error(`[kit] ${message}`);
};

const burstEvents = 4_000;
const producers = 8;
const pacedRate = 200;
const pacedSeconds = 5;
const httpSeconds = 16;
const httpSlice = 1;
const httpConcurrency = 32;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const ticket = (n: number) => sampleTransactionCreated({ transactionId: `bench-${n}`, riderId: `rider-${n % 500}` });

interface MessagingFigures {
  throughput: number;
  p50: number;
  p99: number;
}

/** One run over one broker: a burst for throughput, then a paced load for latency. */
async function messagingRun(kind: 'rabbitmq' | 'nats'): Promise<MessagingFigures> {
  const database = await createTestDatabase('kit_bench');
  const pool: Pool = createPool(database.url, 20);
  const target = testBroker(kind);
  const consumer = `kit-bench-${uniqueSuffix()}`;
  const broker = createBroker(target.config, logger);
  try {
    await migrate(pool, [...kitMigrations, { id: '001_effects', sql: 'CREATE TABLE effects (event_id text PRIMARY KEY, processed_at timestamptz NOT NULL DEFAULT clock_timestamp())' }]);
    await broker.connect();
    const publish = createOutboxPublisher('kit-bench');
    let processed = 0;
    const inbox = await startInbox({
      consumer,
      pool,
      broker,
      publish,
      logger,
      prefetch: 32,
      retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 },
      handlers: {
        async TransactionCreated(_data, ctx) {
          await ctx.tx.query('INSERT INTO effects (event_id) VALUES ($1)', [ctx.event.id]);
        },
      },
    });
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM effects');
        processed = Number(rows[0]?.n ?? 0);
        if (processed >= count) return;
        if (Date.now() > deadline) throw new Error(`${kind}: only ${processed}/${count} events processed`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const relay = new OutboxRelay({ pool, broker, logger, batchSize: 100, pollIntervalMs: 1_000, retentionSeconds: 3_600 });
    await relay.start();

    // Burst: producers write events as fast as requests would, one event per transaction.
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: producers }, async () => {
        while (next < burstEvents) {
          const n = next++;
          await withTransaction(pool, (tx) => publish(tx, 'TransactionCreated', ticket(n)));
        }
      }),
    );
    await waitFor(burstEvents);
    const throughput = burstEvents / ((performance.now() - started) / 1_000);

    // Paced: a steady rate well under capacity, latency from the event's time to its commit.
    const { rows: before } = await pool.query<{ n: string; now: Date }>('SELECT count(*) AS n, clock_timestamp() AS now FROM effects');
    const base = Number(before[0]?.n ?? 0);
    const pacedFrom = before[0]?.now ?? new Date();
    const total = pacedRate * pacedSeconds;
    const pacedStart = performance.now();
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const due = pacedStart + (i * 1_000) / pacedRate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(withTransaction(pool, (tx) => publish(tx, 'TransactionCreated', ticket(burstEvents + i))));
    }
    await Promise.all(inFlight);
    await waitFor(base + total);
    // Both ends on the database clock: the outbox row's creation and the inbox insert.
    const { rows } = await pool.query<{ ms: number }>(
      `SELECT (extract(epoch FROM e.processed_at - o.created_at) * 1000)::float8 AS ms
       FROM effects e JOIN metrox_outbox o ON o.id = e.event_id WHERE o.created_at >= $1`,
      [pacedFrom],
    );
    const latencies = rows.map((row) => row.ms);
    await relay.stop();
    await inbox.stop();
    return { throughput, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await broker.close();
    await pool.end();
    await target.cleanup([consumer]).catch(() => undefined);
    await database.drop().catch(() => undefined);
  }
}

interface BenchService {
  child: ChildProcess;
  port: number;
  /** Its own: no relay publishes another service's events, and no run inherits a grown table. */
  database: TestDatabase;
}

async function startService(env: Record<string, string>): Promise<BenchService> {
  const database = await createTestDatabase('kit_bench_http');
  const child = spawn(process.execPath, ['--import', '@metrox/kit/preload', join(root, 'bench/kit-service.ts')], {
    cwd: root,
    env: { ...process.env, ...env, DATABASE_URL: database.url, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...testBroker('rabbitmq').env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; httpPort?: number };
        if (entry.msg === 'started' && entry.httpPort !== undefined) resolve({ child, port: entry.httpPort, database });
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => {
      void database.drop().catch(() => undefined);
      reject(new Error(`bench service exited (${code ?? 'signal'}) before listening`));
    });
  });
}

async function stopService({ child, database }: BenchService): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  await database.drop().catch(() => undefined);
}

/**
 * CPU time (user + system) a process has used, in ms, from /proc; undefined where there is
 * none. `every` thread counts GC and I/O helpers; `main` is the thread that runs the event
 * loop, whose saturation caps a Node service's throughput. Throughput on a shared machine
 * moves with the neighbours' load; CPU per request is what telemetry adds to the service.
 */
function processCpuMs(pid: number | undefined): Record<Thread, number> | undefined {
  if (pid === undefined) return undefined;
  const ms = (path: string) => {
    const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks of 10 ms
  };
  try {
    const cpu = { every: ms(`/proc/${pid}/stat`), main: ms(`/proc/${pid}/task/${pid}/stat`) };
    return Number.isFinite(cpu.every) && Number.isFinite(cpu.main) ? cpu : undefined;
  } catch {
    return undefined;
  }
}

/** Closed-loop load: `httpConcurrency` clients posting back to back for `seconds`. */
async function drive(port: number, path: string, seconds: number): Promise<{ perSecond: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: httpConcurrency });
  const body = JSON.stringify({ rider: 'rider-1' });
  const end = performance.now() + seconds * 1_000;
  let ok = 0;
  let errors = 0;
  const once = () =>
    new Promise<void>((resolve) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 201) ok++;
            else errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: httpConcurrency }, async () => {
      while (performance.now() < end) await once();
    }),
  );
  agent.destroy();
  return { perSecond: ok / ((performance.now() - started) / 1_000), errors };
}

/** A route of bench/kit-service.ts, each one database write. */
interface HttpRoute {
  path: string;
  benchmark: string;
  /** What one request does, for the metric names and notes. */
  work: string;
}

const httpRoutes: HttpRoute[] = [
  { path: '/v1/writes', benchmark: 'http route with telemetry on vs off', work: 'one database write per request' },
  {
    path: '/v1/purchases',
    benchmark: 'http route writing a row and its event, telemetry on vs off',
    work: 'a row and its outbox event in one transaction per request, relayed to RabbitMQ',
  },
];

type Mode = 'off' | 'on' | 'sampled';
type Thread = 'every' | 'main';
const modes: Mode[] = ['off', 'on', 'sampled'];

/**
 * The services run side by side and take turns under load in short slices, the order
 * rotating every slice, so a neighbour's burst on this shared machine hits all alike.
 */
interface HttpFigures {
  /** Requests/s, the mean of the slices. */
  perSecond: Record<Mode, number>;
  /** Service CPU µs per request over the measured slices (all threads, main thread), when /proc tells. */
  cpuPerRequest: Record<Thread, Record<Mode, number>> | undefined;
}

/** One run of a route: the three services side by side, each on a fresh database. */
async function httpRun(route: HttpRoute, sinkUrl: string): Promise<HttpFigures> {
  const on = { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_SERVICE_NAME: 'kit-bench' };
  const envs: Record<Mode, Record<string, string>> = {
    off: { OTEL_SDK_DISABLED: 'true' },
    on: { ...on, OTEL_TRACES_SAMPLER: 'always_on' },
    sampled: { ...on, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  };
  // Filled as they start; stopped (with their databases) whatever happens.
  const services = {} as Record<Mode, BenchService>;
  const byMode = (value: (mode: Mode) => number) => Object.fromEntries(modes.map((mode) => [mode, value(mode)])) as Record<Mode, number>;
  const totals = byMode(() => 0);
  const served = byMode(() => 0);
  let cpuPerRequest: Record<Thread, Record<Mode, number>> | undefined;
  try {
    for (const mode of modes) services[mode] = await startService(envs[mode]);
    for (const mode of modes) await drive(services[mode].port, route.path, 2); // warm-up: JIT, pool connections
    const cpuOf = () => new Map(modes.map((mode) => [mode, processCpuMs(services[mode].child.pid)]));
    const cpuBefore = cpuOf();
    const slices = Math.round(httpSeconds / httpSlice);
    for (let slice = 0; slice < slices; slice++) {
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(slice + i) % modes.length] ?? 'off';
        const { perSecond, errors } = await drive(services[mode].port, route.path, httpSlice);
        if (errors > 0) throw new Error(`telemetry ${mode}: ${errors} requests failed`);
        totals[mode] += perSecond / slices;
        served[mode] += perSecond * httpSlice;
      }
    }
    const cpuAfter = cpuOf();
    if (modes.every((mode) => cpuBefore.get(mode) && cpuAfter.get(mode))) {
      const perRequest = (thread: Thread) =>
        byMode((mode) => (((cpuAfter.get(mode)?.[thread] ?? 0) - (cpuBefore.get(mode)?.[thread] ?? 0)) * 1_000) / served[mode]);
      cpuPerRequest = { every: perRequest('every'), main: perRequest('main') };
    }
  } finally {
    await Promise.all(Object.values(services).map(stopService));
  }
  const cpu = cpuPerRequest
    ? `; service CPU per request (main thread) off ${cpuPerRequest.every.off.toFixed(0)} (${cpuPerRequest.main.off.toFixed(0)}), on ${cpuPerRequest.every.on.toFixed(0)} (${cpuPerRequest.main.on.toFixed(0)}), 10 % sampled ${cpuPerRequest.every.sampled.toFixed(0)} (${cpuPerRequest.main.sampled.toFixed(0)}) µs`
    : '';
  log(`http ${route.path}: telemetry off ${totals.off.toFixed(0)}, on ${totals.on.toFixed(0)} (ratio ${(totals.on / totals.off).toFixed(3)}), 10 % sampled ${totals.sampled.toFixed(0)} (ratio ${(totals.sampled / totals.off).toFixed(3)}) requests/s${cpu}`);
  return { perSecond: totals, cpuPerRequest };
}

async function main(): Promise<void> {
  try {
    execFileSync('bash', [join(root, 'scripts/infra/up.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (error) {
    // Servers already listening (a developer's own, say) are fine; connecting will tell.
    log(`infra:up failed (${(error as Error).message.split('\n')[0] ?? ''}); using the endpoints as they are`);
  }
  const command = 'npm run bench -- kit';

  // `node bench/kit.bench.ts http` (or `messaging`) runs one part, for quick iterations.
  const only = process.argv[2];
  for (const kind of only === 'http' ? [] : (['rabbitmq', 'nats'] as const)) {
    const results: MessagingFigures[] = [];
    for (let run = 0; run < runs; run++) {
      const figures = await messagingRun(kind);
      log(`${kind} run ${run + 1}: ${figures.throughput.toFixed(0)} events/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms`);
      results.push(figures);
    }
    const metrics: BenchMetric[] = [
      metric(`${kind}: outbox → broker → inbox throughput`, 'events/s', results.map((r) => r.throughput)),
      metric(`${kind}: end-to-end latency p50 at ${pacedRate} events/s`, 'ms', results.map((r) => r.p50)),
      metric(`${kind}: end-to-end latency p99 at ${pacedRate} events/s`, 'ms', results.map((r) => r.p99)),
    ];
    writeBenchResult({
      area: 'kit',
      benchmark: `outbox to inbox over ${kind}`,
      metrics,
      notes: `${burstEvents} events written by ${producers} concurrent producers (one event per transaction) for throughput, timed from the first write to the last inbox commit; then ${pacedRate} events/s for ${pacedSeconds} s for latency, from the outbox row's creation to the inbox commit. Relay batch 100, consumer prefetch 32, Postgres, broker and bench on one machine.`,
      command,
    });
  }

  if (only === 'messaging') return;
  const sink = await startOtlpSink();
  try {
    for (const route of httpRoutes) {
      const exportsBefore = sink.received();
      const figures: HttpFigures[] = [];
      for (let run = 0; run < runs; run++) figures.push(await httpRun(route, sink.url));
      const exports = sink.received() - exportsBefore;
      if (exports === 0) throw new Error(`${route.path}: telemetry on exported nothing, so the comparison would be meaningless`);
      writeBenchResult({ area: 'kit', benchmark: route.benchmark, metrics: httpMetrics(route, figures), notes: httpNotes(route, exports), command });
    }
  } finally {
    sink.server.close();
  }
}

function httpMetrics(route: HttpRoute, figures: HttpFigures[]): BenchMetric[] {
  const on = figures.map((f) => f.perSecond.on);
  const off = figures.map((f) => f.perSecond.off);
  const sampled = figures.map((f) => f.perSecond.sampled);
  const cpu = figures.flatMap((f) => (f.cpuPerRequest ? [f.cpuPerRequest] : []));
  const cpuMetrics =
    cpu.length === figures.length
      ? [
          metric('service CPU per request, telemetry off', 'µs', cpu.map((c) => c.every.off)),
          metric('service CPU per request, telemetry on', 'µs', cpu.map((c) => c.every.on)),
          metric('service CPU per request, telemetry off ÷ on', 'ratio', cpu.map((c) => c.every.off / c.every.on)),
          metric('service main-thread CPU per request, telemetry off', 'µs', cpu.map((c) => c.main.off)),
          metric('service main-thread CPU per request, telemetry on', 'µs', cpu.map((c) => c.main.on)),
        ]
      : [];
  return [
    metric(`telemetry on: requests/s (${route.work})`, 'requests/s', on),
    metric('telemetry off (OTEL_SDK_DISABLED=true): requests/s', 'requests/s', off),
    metric('telemetry on ÷ off', 'ratio', on.map((value, i) => value / (off[i] ?? Number.NaN)), { op: '>=', value: 0.85 }),
    metric('telemetry on, 10 % of traces sampled: requests/s', 'requests/s', sampled),
    metric('telemetry on, 10 % sampled ÷ off', 'ratio', sampled.map((value, i) => value / (off[i] ?? Number.NaN))),
    ...cpuMetrics,
  ];
}

function httpNotes(route: HttpRoute, exports: number): string {
  return `${httpConcurrency} keep-alive clients posting back to back, ${httpSeconds} s per side in ${httpSlice} s slices alternating between the three services (all running, each with its own database, warmed up 2 s each), against POST ${route.path} of bench/kit-service.ts (${route.work}) started with --import @metrox/kit/preload. On: every span sampled (OTEL_TRACES_SAMPLER=always_on) and exported over OTLP/HTTP to a local sink; 10 % sampled: parentbased_traceidratio 0.1, everything else alike (${exports} export requests), every instrumentation the kit sets up (fastify, pg, amqplib, outgoing http and undici; pino only when logs are exported over OTLP), logs with trace ids, /metrics histograms with exemplars. Off: OTEL_SDK_DISABLED=true (the preload loads nothing). Service CPU per request: user + system time of each service process (all threads; main thread: the event loop's alone) over the measured slices ÷ the requests it served, less sensitive than requests/s to what else runs on the machine. Service, Postgres and load generator share the machine.`;
}

await main();
