// Operations alone: what applying an event costs, one at a time (CONSUMER_BATCH=off)
// against batched (the service's default), side by side in one run. Each phase starts a
// fresh Operations process on its own database and exchange, publishes a burst of
// purchases' events (TransactionCreated, PaymentConfirmed/Failed, TransactionCompleted,
// NotificationSent) straight to RabbitMQ, and waits until all are in the event log:
//  - Operations' CPU ms per event (its process's utime + stime over the burst);
//  - Postgres CPU ms per event (the server processes of Operations' connections);
//  - statements per event, counted on the wire by a proxy between Operations and Postgres
//    (a simple-protocol text with several statements, like BEGIN and the inbox mark, is one);
//  - events per second.
// Telemetry is on, every span exported over OTLP/HTTP (to a sink that answers 200).
//
//   npm run bench -- operations
//   METROX_BENCH_OPERATIONS_PURCHASES=250 npm run bench -- operations   (default 1,250: 5,000 events)
//   METROX_BENCH_LOG_LEVEL=debug …   Operations' log level (its log's folder is named on failure)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createBroker, createEnvelope, createLogger, type EventEnvelope } from '@metrox/kit';
import type { EventData, EventType } from '@metrox/contracts';
import { createTestDatabase, testBroker } from '../services/kit/src/testing/infra.ts';
import { entryArguments, waitUntilReady } from '../scripts/local/fleet.ts';
import { freePort } from '../test/support/processes.ts';
import { startTcpProxy } from '@metrox/test/tcp-proxy';
import { startOtlpSink } from './otlp-sink.ts';
import { listProcesses, parseProcStat } from './process-cpu.ts';
import { benchRuns, metric, writeBenchResult } from './result.ts';

const purchases = Number(process.env.METROX_BENCH_OPERATIONS_PURCHASES ?? '1250');
/** Created, the payment's outcome, Completed, NotificationSent: all a purchase brings Operations. */
const eventsPerPurchase = 4;
const total = purchases * eventsPerPurchase;
const runs = benchRuns();
const logger = createLogger({ serviceName: 'operations-bench', serviceVersion: '0', level: 'warn' });
const log = (message: string) => {
  console.error(`[operations] ${message}`);
};

const modes = [
  { name: 'one at a time', env: { CONSUMER_BATCH: 'off' } },
  { name: 'batched', env: { CONSUMER_BATCH: 'on' } },
] as const;
type Mode = (typeof modes)[number];

interface Figures {
  operationsCpuMsPerEvent: number;
  postgresCpuMsPerEvent: number;
  statementsPerEvent: number;
  eventsPerSecond: number;
}

function event<T extends EventType>(type: T, data: EventData<T>, source: string): EventEnvelope<T> {
  return createEnvelope(type, data, { source });
}

/** A purchase's four events, as the other services publish them. */
function purchaseEvents(n: number): EventEnvelope[] {
  const transactionId = randomUUID();
  const at = new Date().toISOString();
  const method = (['upi', 'card', 'wallet'] as const)[n % 3] ?? 'upi';
  const outcome = n % 10 === 0 ? 'FAILED' : 'CONFIRMED';
  const common = { transactionId, riderId: `rider-${String(n % 500)}`, fromStation: `S${String(n % 22)}`, toStation: 'ALUVA', fareCents: 2_000 + (n % 40) * 10, currency: 'INR' };
  const payment = { paymentId: randomUUID(), transactionId, method, amountCents: common.fareCents, currency: common.currency };
  return [
    event('TransactionCreated', { ...common, paymentMethod: method, createdAt: at }, 'transaction'),
    outcome === 'CONFIRMED' ? event('PaymentConfirmed', { ...payment, confirmedAt: at }, 'payment') : event('PaymentFailed', { ...payment, reason: 'declined', failedAt: at }, 'payment'),
    event('TransactionCompleted', { ...common, status: outcome, ...(outcome === 'FAILED' ? { reason: 'declined' } : {}), completedAt: at, riderContact: { displayName: 'Rider', email: 'rider@example.test', phone: '+910000000000' } }, 'transaction'),
    event('NotificationSent', { notificationId: randomUUID(), transactionId, riderId: common.riderId, channel: 'sms', outcome, sentAt: at }, 'notification'),
  ];
}

function cpuSecondsOf(pid: number): number {
  return parseProcStat(readFileSync(`/proc/${String(pid)}/stat`, 'utf8')).cpuSeconds;
}

/** CPU seconds of the Postgres server processes serving `database`, by pid, less the bench's own. */
function postgresBackends(database: string, except: number): Map<number, number> {
  return new Map(listProcesses().filter((p) => p.pid !== except && p.cmdline.startsWith('postgres: ') && p.cmdline.split(' ')[2] === database).map((p) => [p.pid, p.cpuSeconds]));
}

async function phase(mode: Mode, otlp: string): Promise<Figures> {
  const database = await createTestDatabase('operations_bench');
  const databaseName = new URL(database.url).pathname.slice(1);
  const target = testBroker('rabbitmq');
  const queue = `operations-bench-${randomUUID().slice(0, 8)}`;
  const proxy = await startTcpProxy(new URL(database.url), { countPostgresStatements: true });
  const proxied = new URL(proxy.via(database.url));
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const logDir = mkdtempSync(join(tmpdir(), 'operations-bench-'));
  const out = openSync(join(logDir, 'operations.log'), 'a');
  const child = spawn(process.execPath, entryArguments('operations'), {
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      ...target.env,
      ...mode.env,
      SERVICE_NAME: queue,
      OTEL_SERVICE_NAME: 'operations',
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      OTEL_METRICS_EXPORTER: 'none',
      DATABASE_URL: proxied.toString(),
      HOST: '127.0.0.1',
      PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      LOG_LEVEL: process.env.METROX_BENCH_LOG_LEVEL ?? 'warn',
    },
  });
  closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const broker = createBroker(target.config, logger);
  const reader = new pg.Client({ connectionString: database.url });
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('Operations did not start');
    await waitUntilReady(httpPort, 60_000, () => `Operations (${mode.name}) not ready; see ${logDir}/operations.log`);
    log(`${mode.name}: Operations ready`);
    await reader.connect();
    const readerPid = (await reader.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
    await broker.connect();
    const events = Array.from({ length: purchases }, (_, n) => purchaseEvents(n)).flat();
    if (events.length !== total) throw new Error(`built ${String(events.length)} events, expected ${String(total)}`);
    const messages = events.map((e) => ({ id: e.id, type: e.type, body: Buffer.from(JSON.stringify(e)), headers: { 'content-type': 'application/cloudevents+json' } }));

    const cpuBefore = cpuSecondsOf(pid);
    const postgresBefore = postgresBackends(databaseName, readerPid);
    const statementsBefore = proxy.statements;
    const started = performance.now();
    for (let first = 0; first < messages.length; first += 500) await broker.publish(messages.slice(first, first + 500));
    log(`${mode.name}: ${String(total)} events published`);
    const deadline = Date.now() + 300_000;
    for (;;) {
      const { rows } = await reader.query<{ n: string }>('SELECT count(*) AS n FROM event_log');
      if (Number(rows[0]?.n ?? 0) >= total) break;
      if (Date.now() > deadline) throw new Error(`${mode.name}: only ${rows[0]?.n ?? '0'}/${String(total)} events applied`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1_000;
    log(`${mode.name}: ${String(total)} events applied in ${seconds.toFixed(1)} s`);
    const cpuAfter = cpuSecondsOf(pid);
    const postgresAfter = postgresBackends(databaseName, readerPid);
    const statements = proxy.statements - statementsBefore;
    // A connection opened during the burst started from zero.
    let postgresSeconds = 0;
    for (const [backend, after] of postgresAfter) postgresSeconds += after - (postgresBefore.get(backend) ?? 0);
    return {
      operationsCpuMsPerEvent: ((cpuAfter - cpuBefore) * 1_000) / total,
      postgresCpuMsPerEvent: (postgresSeconds * 1_000) / total,
      statementsPerEvent: statements / total,
      eventsPerSecond: total / seconds,
    };
  } finally {
    child.kill('SIGTERM');
    await exited;
    await reader.end().catch(() => undefined);
    await broker.close();
    await proxy.close();
    await target.cleanup([queue]).catch(() => undefined);
    await database.drop().catch(() => undefined);
  }
}

const sink = await startOtlpSink();
const results = new Map<Mode['name'], Figures[]>(modes.map((mode) => [mode.name, []]));
for (let run = 1; run <= runs; run++) {
  // Alternating, so drift in what else runs on the machine touches both alike.
  for (const mode of run % 2 === 1 ? modes : [...modes].reverse()) {
    const figures = await phase(mode, sink.url);
    results.get(mode.name)?.push(figures);
    log(`run ${String(run)}, ${mode.name}: ${JSON.stringify(figures)}`);
  }
}

const round = (value: number) => Math.round(value * 1_000) / 1_000;
const of = (mode: Mode['name'], pick: (figures: Figures) => number) => (results.get(mode) ?? []).map((figures) => round(pick(figures)));
const file = writeBenchResult({
  area: 'operations',
  benchmark: 'events applied one at a time vs batched',
  metrics: modes.flatMap((mode) => [
    metric(`Operations CPU per event, ${mode.name}`, 'ms', of(mode.name, (f) => f.operationsCpuMsPerEvent)),
    metric(`Postgres CPU per event, ${mode.name}`, 'ms', of(mode.name, (f) => f.postgresCpuMsPerEvent)),
    metric(`Postgres statements per event, ${mode.name}`, 'statements', of(mode.name, (f) => f.statementsPerEvent)),
    metric(`events applied per second, ${mode.name}`, 'events/s', of(mode.name, (f) => f.eventsPerSecond)),
  ]),
  notes: `${String(total)} events (${String(purchases)} purchases × ${String(eventsPerPurchase)}) published to RabbitMQ in one burst per phase; one Operations process with its defaults (batch of at most 64, prefetch 128), telemetry on; phases alternate, each on a fresh database and exchange.`,
  command: 'npm run bench -- operations',
});
log(`wrote ${file}`);
sink.server.close();
