// The four services as real processes for a test file: each fleet has its own databases,
// its own exchange and queue names and free ports, so fleets of parallel test files never
// meet. Processes are tethered to the test process and stop with it whatever happens.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { dropDatabase, ensureDatabase, entryArguments, serviceEnvironment, serviceNames, waitUntilReady, databaseUrl, type FleetSettings, type ServiceName } from '../../../scripts/local/fleet.ts';
import { endpoints, stateDir, type Endpoints } from '../../support/endpoints.ts';
import { startCipherProcess, type CipherProcess } from './cipher.ts';
import { eventually, http } from './client.ts';
import { freePort, spawnTethered, type TetheredProcess } from '../../support/processes.ts';

export interface Fleet {
  readonly runId: string;
  readonly exchange: string;
  readonly settings: FleetSettings;
  /** Payment's cipher helper process (stop and start it to play an outage). */
  readonly cipher: CipherProcess;
  url(service: ServiceName, path?: string): string;
  grpcAddress(service: ServiceName): string;
  /** A client of the service's own database, for looking behind the API. */
  db(service: ServiceName): pg.Pool;
  queue(service: ServiceName): string;
  /** Starts a service; `env` overrides its environment for this run (as a rollout with new settings would). */
  start(service: ServiceName, env?: NodeJS.ProcessEnv): Promise<void>;
  stop(service: ServiceName): Promise<void>;
  /**
   * Sends a signal to the service's process itself: SIGKILL (a crash; resolves once it is gone),
   * SIGSTOP and SIGCONT (a freeze and a thaw).
   */
  signal(service: ServiceName, signal: NodeJS.Signals): Promise<void>;
  /** The service's log file (appended to across restarts). */
  logFile(service: ServiceName): string;
  logTail(service: ServiceName, lines?: number): string;
  close(): Promise<void>;
}

/** Settings that make a test fleet quick: short polls and retries, a fast gateway where wallets always decline and cards are slow. */
export const testTuning: NodeJS.ProcessEnv = {
  LOG_LEVEL: 'info',
  OUTBOX_POLL_INTERVAL_MS: '200',
  CONSUMER_RETRY_BASE_MS: '200',
  CONSUMER_RETRY_MAX_MS: '2000',
  PAYMENT_GATEWAY_LATENCY_MS: 'upi=5,wallet=5,card=6000',
  PAYMENT_DECLINE_RATIO: 'upi=0,card=0,wallet=1',
  PAYMENT_GATEWAY_ERROR_RATIO: '0',
  NOTIFICATION_POLL_INTERVAL_MS: '200',
  NOTIFICATION_RETRY_BASE_MS: '200',
  NOTIFICATION_RETRY_MAX_MS: '1000',
  SHUTDOWN_TIMEOUT_MS: '5000',
};

/** Environment that exports every span of a fleet to an OTLP/HTTP endpoint, promptly. */
export function tracedFleetEnv(otlpEndpoint: string): NodeJS.ProcessEnv {
  return {
    OTEL_SDK_DISABLED: 'false',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_METRICS_EXPORTER: 'none',
  };
}

/** Waits until a purchase leaves PENDING and returns it as the transaction service shows it. */
export async function settledTransaction<T extends { status: string }>(fleet: Pick<Fleet, 'url'>, id: string): Promise<T> {
  const response = await eventually(
    () => http<T>(fleet.url('transaction', `/v1/transactions/${id}`)),
    (r) => r.status === 200 && r.body.status !== 'PENDING',
    `transaction ${id} to leave PENDING`,
  );
  return response.body;
}

export interface FleetOptions {
  /** The broker the services use; each fleet gets its own exchange or stream either way. */
  broker?: 'rabbitmq' | 'nats';
  /** Extra environment for every service (e.g. telemetry export). */
  env?: NodeJS.ProcessEnv;
  /** The services to start (default: all four); others can be started later with `start`. */
  services?: readonly ServiceName[];
  /** Service settings under `env` (default `testTuning`; `{}` runs the services' own defaults, as a benchmark does). */
  tuning?: NodeJS.ProcessEnv;
  /** Names the fleet's databases, exchange and log folder (default `test`). */
  purpose?: 'test' | 'bench';
  /**
   * Servers of the fleet's own instead of the shared ones (a private Postgres and RabbitMQ,
   * for faults the shared servers must never see).
   */
  servers?: Partial<Pick<Endpoints, 'DATABASE_URL' | 'AMQP_URL' | 'RABBITMQ_MANAGEMENT_URL'>>;
}

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const infra = { ...endpoints(), ...options.servers };
  const runId = randomBytes(4).toString('hex');
  const purpose = options.purpose ?? 'test';
  const exchange = `metrox.${purpose}.${runId}`;
  const stream = `METROX_${purpose.toUpperCase()}_${runId.toUpperCase()}`;
  const brokerEnv: NodeJS.ProcessEnv =
    options.broker === 'nats'
      ? { BROKER: 'nats', NATS_URL: infra.NATS_URL, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: `metrox.${purpose}${runId}` }
      : { BROKER: 'rabbitmq', AMQP_EXCHANGE: exchange };
  const ports = Object.fromEntries(
    await Promise.all(serviceNames.map(async (name) => [name, { http: await freePort(), grpc: await freePort() }] as const)),
  ) as FleetSettings['ports'];
  const queue = (name: ServiceName): string => `${name}-${runId}`;
  const logDir = join(stateDir, `${purpose}-logs`);
  mkdirSync(logDir, { recursive: true });
  const keysDir = join(stateDir, `cipher-keys-${runId}`);
  const cipher = await startCipherProcess({ keysDir, logFile: join(logDir, `${runId}-cipher.log`), env: options.env });
  const settings: FleetSettings = {
    adminDatabaseUrl: infra.DATABASE_URL,
    cipherAddress: cipher.address,
    amqpUrl: infra.AMQP_URL,
    databaseName: (name) => `${purpose === 'test' ? 'svc' : purpose}_${runId}_${name}`,
    ports,
    env: { ...(options.tuning ?? testTuning), ...brokerEnv, ...options.env },
    // The service name is the queue name: unique per fleet.
    serviceEnv: Object.fromEntries(serviceNames.map((name) => [name, { SERVICE_NAME: queue(name) }])),
  };
  await Promise.all(serviceNames.map((name) => ensureDatabase(settings.adminDatabaseUrl, settings.databaseName(name))));

  const processes = new Map<ServiceName, TetheredProcess>();
  const pools = new Map<ServiceName, pg.Pool>();
  const logFile = (name: ServiceName): string => join(logDir, `${runId}-${name}.log`);

  const fleet: Fleet = {
    runId,
    exchange,
    settings,
    cipher,
    url: (name, path = '') => `http://127.0.0.1:${ports[name].http}${path}`,
    grpcAddress: (name) => `127.0.0.1:${ports[name].grpc}`,
    db(name) {
      let pool = pools.get(name);
      if (!pool) {
        pool = new pg.Pool({ connectionString: databaseUrl(settings.adminDatabaseUrl, settings.databaseName(name)), max: 2 });
        // An idle connection lost to a database restart is replaced at the next query; unheard, its error would end the test process.
        pool.on('error', () => undefined);
        pools.set(name, pool);
      }
      return pool;
    },
    queue,
    async start(name, env = {}) {
      const child = spawnTethered(name, process.execPath, entryArguments(name), logFile(name), { ...serviceEnvironment(name, settings), ...env });
      processes.set(name, child);
      let exited = false;
      void child.exited.then(() => (exited = true));
      await waitUntilReady(ports[name].http, 90_000, () => `${name} did not become ready${exited ? ' (it exited)' : ''}:\n${child.logTail(30)}`);
    },
    async stop(name) {
      await processes.get(name)?.stop();
      processes.delete(name);
    },
    async signal(name, signal) {
      const child = processes.get(name);
      if (!child) throw new Error(`${name} is not running`);
      await child.signal(signal);
      if (signal === 'SIGKILL') {
        await child.exited;
        processes.delete(name);
      }
    },
    logFile,
    logTail: (name, lines) => processes.get(name)?.logTail(lines) ?? '(not running)',
    async close() {
      await Promise.all([...processes.keys()].map((name) => fleet.stop(name)));
      await cipher.stop();
      rmSync(keysDir, { recursive: true, force: true });
      await Promise.all([...pools.values()].map((pool) => pool.end()));
      await Promise.all(serviceNames.map((name) => dropDatabase(settings.adminDatabaseUrl, settings.databaseName(name))));
      if (options.broker === 'nats') await deleteStreams(infra.NATS_URL, [stream, `${stream}_DLQ`]);
      else await deleteQueues(infra.RABBITMQ_MANAGEMENT_URL, serviceNames.map(queue), exchange);
    },
  };
  try {
    await Promise.all((options.services ?? serviceNames).map((name) => fleet.start(name)));
  } catch (error) {
    await fleet.close().catch(() => undefined);
    throw error;
  }
  return fleet;
}

/** Removes the fleet's queues (and their retry and dead-letter queues) and exchange from RabbitMQ. */
async function deleteQueues(managementUrl: string, consumers: string[], exchange: string): Promise<void> {
  const base = new URL(managementUrl);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
  const api = (path: string): string => `${base.protocol}//${base.host}/api${path}`;
  const response = await fetch(api('/queues/%2F?columns=name'), { headers: { authorization: auth } });
  if (!response.ok) return;
  const queues = (await response.json()) as { name: string }[];
  const ours = queues.filter((queue) => consumers.some((consumer) => queue.name === consumer || queue.name.startsWith(`${consumer}.`)));
  await Promise.all(ours.map((queue) => fetch(api(`/queues/%2F/${encodeURIComponent(queue.name)}`), { method: 'DELETE', headers: { authorization: auth } })));
  await fetch(api(`/exchanges/%2F/${encodeURIComponent(exchange)}`), { method: 'DELETE', headers: { authorization: auth } });
}

async function deleteStreams(natsUrl: string, streams: string[]): Promise<void> {
  const connection = await connect({ servers: natsUrl });
  try {
    const manager = await jetstreamManager(connection);
    for (const stream of streams) await manager.streams.delete(stream).catch(() => false);
  } finally {
    await connection.close();
  }
}
