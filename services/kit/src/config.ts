// Service configuration from the environment, parsed once at start-up. A bad value
// stops the process with a message naming the variable, never a late surprise.
import { defaultRetryPolicy, type RetryPolicy } from '@metrox/contracts/broker-topology';
import { logLevels } from '@metrox/telemetry';
import { z } from 'zod';
import type { AdmissionLimits } from './http/admission.ts';
import { parseFaultRoutes, type HttpFaults } from './http/faults.ts';

const port = z.coerce.number().int().min(0).max(65_535);
const positive = z.coerce.number().int().positive();
/** A limit where 0 turns the check off. */
const limit = z.coerce.number().int().min(0);

const schema = z.object({
  SERVICE_NAME: z.string().min(1).optional(),
  SERVICE_VERSION: z.string().min(1).optional(),
  HOST: z.string().default('0.0.0.0'),
  PORT: port.optional(),
  GRPC_PORT: port.optional(),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  DATABASE_URL: z.string().min(1).optional(),
  // Above the default prefetch (16), so consumers alone never take every connection from requests.
  DATABASE_POOL_MAX: positive.default(24),
  BROKER: z.enum(['rabbitmq', 'nats']).default('rabbitmq'),
  AMQP_URL: z.string().min(1).default('amqp://guest:guest@127.0.0.1:5672'),
  AMQP_EXCHANGE: z.string().min(1).default('metrox.events'),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_STREAM: z.string().min(1).default('METROX_EVENTS'),
  NATS_SUBJECT_PREFIX: z.string().min(1).default('metrox.events'),
  OUTBOX_BATCH_SIZE: positive.default(100),
  OUTBOX_POLL_INTERVAL_MS: positive.default(1_000),
  OUTBOX_RETENTION_SECONDS: positive.default(3_600),
  CONSUMER_PREFETCH: positive.optional(),
  // A service that declares a batch mode uses it unless this says off (the one-by-one path).
  CONSUMER_BATCH: z.enum(['on', 'off']).default('on'),
  CONSUMER_MAX_ATTEMPTS: positive.default(5),
  CONSUMER_RETRY_BASE_MS: positive.default(defaultRetryPolicy.baseDelayMs),
  CONSUMER_RETRY_MAX_MS: positive.default(defaultRetryPolicy.maxDelayMs),
  SHUTDOWN_TIMEOUT_MS: positive.default(10_000),
  // How long start-up waits for Postgres and the broker: below the 30 s a default
  // liveness probe (3 failures, 10 s apart) allows before the kubelet restarts the Pod.
  STARTUP_TIMEOUT_MS: positive.default(25_000),
  // Admission control (http/admission.ts): excess requests are answered 503 at once.
  // Default: as many as the pool has connections, so requests alone never exhaust it; an
  // admitted request waits for a connection only behind consumers and gRPC calls.
  HTTP_MAX_IN_FLIGHT: limit.optional(),
  // Mean over 500 ms windows: a process this far behind answers everything late.
  HTTP_MAX_EVENT_LOOP_DELAY_MS: limit.default(200),
  // Default: as many waiting as the pool holds: a newcomer would wait at least a whole turn of it.
  HTTP_MAX_POOL_WAITING: limit.optional(),
  HTTP_RETRY_AFTER_SECONDS: positive.default(1),
  // Fault knobs (http/faults.ts): off unless set.
  FAULT_HTTP_ERROR_RATIO: z.coerce.number().min(0).max(1).default(0),
  FAULT_HTTP_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  FAULT_HTTP_ROUTES: z.string().optional(),
  // Rendered by the operator (operator/src/render/workload.ts); checked against the service's declaration at start.
  METRICS_PATH: z.string().regex(/^\/[A-Za-z0-9/_.-]*$/, 'an absolute path, e.g. /metrics').optional(),
  METROX_QUEUE: z.string().min(1).optional(),
  METROX_SUBSCRIBED_EVENTS: z.string().optional(),
  METROX_PUBLISHED_EVENTS: z.string().optional(),
  POD_NAMESPACE: z.string().min(1).optional(),
});

export type Env = z.infer<typeof schema>;

/** Every variable the kit reads (besides OTEL_*, which the OpenTelemetry SDK reads). */
export const kitEnvironmentNames: readonly string[] = Object.keys(schema.shape);

export interface KitConfig {
  serviceName: string;
  serviceVersion: string;
  host: string;
  httpPort: number;
  grpcPort: number;
  logLevel: Env['LOG_LEVEL'];
  databaseUrl: string | undefined;
  databasePoolMax: number;
  broker: BrokerConfig;
  outbox: { batchSize: number; pollIntervalMs: number; retentionSeconds: number };
  /** `batch`: whether a declared batch mode is used (CONSUMER_BATCH, on by default). */
  consumer: { prefetch: number; batch: boolean; maxAttempts: number; retryBaseMs: number; retryMaxMs: number };
  shutdownTimeoutMs: number;
  startupTimeoutMs: number;
  faults: HttpFaults;
  admission: AdmissionLimits;
  metricsPath: string;
  /** What the operator rendered for this Pod; undefined where no operator runs the service. */
  injected: InjectedEnvironment;
}

/** The operator's view of the service, as it rendered it: compared with the declaration at start. */
export interface InjectedEnvironment {
  /** Set in a Pod (the operator renders it from the downward API). */
  namespace: string | undefined;
  /** The queue the operator declared and owns; set means the kit only checks the topology. */
  queue: string | undefined;
  subscribes: string[] | undefined;
  publishes: string[] | undefined;
  metricsPath: string | undefined;
  httpPort: number | undefined;
  grpcPort: number | undefined;
  /** Every <PEER>_GRPC_ADDRESS variable by name. */
  peerAddresses: Record<string, string>;
}

export type BrokerConfig =
  | { kind: 'rabbitmq'; url: string; exchange: string; retry?: RetryPolicy; topology?: 'declare' | 'assert' }
  | { kind: 'nats'; url: string; stream: string; subjectPrefix: string };

export interface ConfigDefaults {
  name: string;
  version?: string;
  httpPort?: number;
  grpcPort?: number;
  /** Deliveries in flight per consumer unless CONSUMER_PREFETCH says otherwise (default 16). */
  consumerPrefetch?: number;
  /** Where metrics are served unless METRICS_PATH says otherwise (default /metrics). */
  metricsPath?: string;
}

const list = (value: string | undefined): string[] => (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');

/** Pure: environment in, configuration out; throws one error listing every bad variable. */
export function loadConfig(defaults: ConfigDefaults, env: NodeJS.ProcessEnv = process.env): KitConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    serviceName: e.SERVICE_NAME ?? defaults.name,
    serviceVersion: e.SERVICE_VERSION ?? defaults.version ?? '0.0.0',
    host: e.HOST,
    httpPort: e.PORT ?? defaults.httpPort ?? 8080,
    grpcPort: e.GRPC_PORT ?? defaults.grpcPort ?? 50051,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    broker:
      e.BROKER === 'nats'
        ? { kind: 'nats', url: e.NATS_URL, stream: e.NATS_STREAM, subjectPrefix: e.NATS_SUBJECT_PREFIX }
        : {
            kind: 'rabbitmq',
            url: e.AMQP_URL,
            exchange: e.AMQP_EXCHANGE,
            retry: { baseDelayMs: e.CONSUMER_RETRY_BASE_MS, maxDelayMs: e.CONSUMER_RETRY_MAX_MS },
            // The operator declared the queues (and deletes them with the MetroXService): only check them.
            topology: e.METROX_QUEUE === undefined ? 'declare' : 'assert',
          },
    outbox: {
      batchSize: e.OUTBOX_BATCH_SIZE,
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
      retentionSeconds: e.OUTBOX_RETENTION_SECONDS,
    },
    consumer: {
      prefetch: e.CONSUMER_PREFETCH ?? defaults.consumerPrefetch ?? 16,
      batch: e.CONSUMER_BATCH === 'on',
      maxAttempts: e.CONSUMER_MAX_ATTEMPTS,
      retryBaseMs: e.CONSUMER_RETRY_BASE_MS,
      retryMaxMs: e.CONSUMER_RETRY_MAX_MS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    startupTimeoutMs: e.STARTUP_TIMEOUT_MS,
    admission: {
      maxInFlight: e.HTTP_MAX_IN_FLIGHT ?? e.DATABASE_POOL_MAX,
      maxEventLoopDelayMs: e.HTTP_MAX_EVENT_LOOP_DELAY_MS,
      maxPoolWaiting: e.HTTP_MAX_POOL_WAITING ?? e.DATABASE_POOL_MAX,
      retryAfterSeconds: e.HTTP_RETRY_AFTER_SECONDS,
    },
    faults: { errorRatio: e.FAULT_HTTP_ERROR_RATIO, latencyMs: e.FAULT_HTTP_LATENCY_MS, routes: parseFaultRoutes(e.FAULT_HTTP_ROUTES) },
    metricsPath: e.METRICS_PATH ?? defaults.metricsPath ?? '/metrics',
    injected: {
      namespace: e.POD_NAMESPACE,
      queue: e.METROX_QUEUE,
      // The operator leaves an empty list out, so a wired broker with no variable means none.
      subscribes: e.METROX_QUEUE === undefined ? undefined : list(e.METROX_SUBSCRIBED_EVENTS),
      publishes: e.METROX_QUEUE === undefined ? undefined : list(e.METROX_PUBLISHED_EVENTS),
      metricsPath: e.METRICS_PATH,
      httpPort: e.POD_NAMESPACE === undefined ? undefined : e.PORT,
      grpcPort: e.POD_NAMESPACE === undefined ? undefined : e.GRPC_PORT,
      peerAddresses: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => /^[A-Z0-9_]+_GRPC_ADDRESS$/.test(entry[0]) && entry[1] !== undefined)),
    },
  };
}
