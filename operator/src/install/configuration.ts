// The operator's configuration, read once at start from its environment. Admin
// credentials arrive through Secret references in the operator's Deployment
// (env valueFrom.secretKeyRef), never through a MetroXService.

export interface OperatorConfig {
  /** Namespace to watch; undefined watches all namespaces. */
  watchNamespace: string | undefined;
  /** Namespace of the leader-election Lease (the operator's own). */
  leaseNamespace: string;
  leaseName: string;
  /** How long a Lease stays valid without renewal; standbys wait this long before taking over. */
  leaseDurationSeconds: number;
  /** A leader that could not renew for this long steps down (must be below leaseDurationSeconds). */
  renewDeadlineSeconds: number;
  /** This process's identity in the Lease. */
  identity: string;
  /** Port of /metrics, /healthz and /readyz. */
  httpPort: number;
  /** Reconciles running at once. */
  concurrency: number;
  /** Every resource is reconciled again after this long, even without events. */
  resyncSeconds: number;
  /**
   * Postgres and RabbitMQ wiring that matches what was recorded is verified again
   * (and repaired) this long after its last verification, plus up to a fifth more,
   * spread by object, so a fleet does not re-verify in one burst.
   */
  driftCheckSeconds: number;
  otlpEndpoint: string;
  /** Image of the cipher sidecar when a MetroXService enables it without naming one. */
  cipherImage: string;
  postgres: PostgresConfig | undefined;
  broker: BrokerConfig | undefined;
}

export interface PostgresConfig {
  /** Superuser (or CREATEROLE + CREATEDB) connection URL of the platform Postgres. */
  adminUrl: string;
  /** host:port the services reach Postgres at (in-cluster DNS); defaults to the admin URL's. */
  serviceHost: string;
  servicePort: number;
}

export interface BrokerConfig {
  /** AMQP URL the operator declares the topology with. */
  adminUrl: string;
  /** AMQP URL handed to services (in their broker Secret); defaults to adminUrl. */
  serviceUrl: string;
  /** Topic exchange all events are published to. */
  exchange: string;
}

/** Environment variables the operator reads, for the Deployment that runs it. */
export const configurationVariables = {
  METROX_WATCH_NAMESPACE: 'Namespace to watch (default: all namespaces).',
  METROX_OPERATOR_NAMESPACE: 'Namespace of the leader-election Lease (default: POD_NAMESPACE, then "default").',
  METROX_LEASE_NAME: 'Name of the leader-election Lease (default: metrox-operator).',
  METROX_LEASE_DURATION_SECONDS: 'Validity of the leader-election Lease without renewal (default: 15).',
  METROX_RENEW_DEADLINE_SECONDS: 'A leader that cannot renew the Lease for this long steps down and exits (default: 10; below the lease duration).',
  POD_NAMESPACE: 'Namespace of the operator\'s Pod (downward API): the Lease\'s when METROX_OPERATOR_NAMESPACE is unset.',
  POD_NAME: 'Identity in the Lease (default: the host name and process id).',
  METROX_HTTP_PORT: 'Port of /metrics, /healthz and /readyz (default: 8080).',
  METROX_CONCURRENCY: 'Reconciles at once (default: 8).',
  METROX_RESYNC_SECONDS: 'Periodic full resync, from the caches: converged resources cost no API request, SQL or broker connection (default: 600).',
  METROX_DRIFT_CHECK_SECONDS: 'Postgres and RabbitMQ wiring is verified (and repaired) again this long after its last verification, plus up to 20% spread by service; 0 verifies on every reconcile (default: 600).',
  METROX_OTLP_ENDPOINT: 'OTEL_EXPORTER_OTLP_ENDPOINT given to services (default: http://otel-collector.metrox.svc:4318).',
  METROX_CIPHER_IMAGE: 'Image of the cipher sidecar for spec.cipher without an image (default: ghcr.io/metrox/cipher:0.1.0).',
  METROX_POSTGRES_ADMIN_URL: 'Admin connection URL of the platform Postgres; from a Secret. Unset: database wiring reports DatabaseReady=False.',
  METROX_POSTGRES_SERVICE_HOST: 'host[:port] services use to reach Postgres (default: the admin URL\'s).',
  METROX_AMQP_ADMIN_URL: 'AMQP URL the operator declares broker topology with; from a Secret. Unset: BrokerReady=False.',
  METROX_AMQP_SERVICE_URL: 'AMQP URL given to services (default: METROX_AMQP_ADMIN_URL).',
  METROX_EVENTS_EXCHANGE: 'Topic exchange of all events (default: metrox.events).',
} as const;

export const defaultCipherImage = 'ghcr.io/metrox/cipher:0.1.0';

type Env = Record<string, string | undefined>;

function integer(env: Env, key: keyof typeof configurationVariables, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${key} must be a non-negative integer, got "${raw}"`);
  return value;
}

function leaseTimings(env: Env): { leaseDurationSeconds: number; renewDeadlineSeconds: number } {
  const leaseDurationSeconds = Math.max(2, integer(env, 'METROX_LEASE_DURATION_SECONDS', 15));
  const renewDeadlineSeconds = integer(env, 'METROX_RENEW_DEADLINE_SECONDS', Math.min(10, leaseDurationSeconds - 1));
  // Renewing past the lease's expiry would let a standby write at the same time.
  if (renewDeadlineSeconds >= leaseDurationSeconds) throw new Error(`METROX_RENEW_DEADLINE_SECONDS (${String(renewDeadlineSeconds)}) must be below METROX_LEASE_DURATION_SECONDS (${String(leaseDurationSeconds)})`);
  return { leaseDurationSeconds, renewDeadlineSeconds };
}

export function loadOperatorConfig(env: Env = process.env): OperatorConfig {
  const postgresUrl = env.METROX_POSTGRES_ADMIN_URL;
  let postgres: PostgresConfig | undefined;
  if (postgresUrl !== undefined && postgresUrl !== '') {
    const admin = new URL(postgresUrl);
    const [host, port] = (env.METROX_POSTGRES_SERVICE_HOST ?? admin.host).split(':');
    postgres = { adminUrl: postgresUrl, serviceHost: host ?? admin.hostname, servicePort: Number(port ?? '5432') };
  }
  const amqpUrl = env.METROX_AMQP_ADMIN_URL;
  const broker = amqpUrl !== undefined && amqpUrl !== ''
    ? { adminUrl: amqpUrl, serviceUrl: env.METROX_AMQP_SERVICE_URL ?? amqpUrl, exchange: env.METROX_EVENTS_EXCHANGE ?? 'metrox.events' }
    : undefined;
  return {
    watchNamespace: env.METROX_WATCH_NAMESPACE === '' ? undefined : env.METROX_WATCH_NAMESPACE,
    leaseNamespace: env.METROX_OPERATOR_NAMESPACE ?? env.POD_NAMESPACE ?? 'default',
    leaseName: env.METROX_LEASE_NAME ?? 'metrox-operator',
    ...leaseTimings(env),
    identity: env.POD_NAME ?? `${env.HOSTNAME ?? 'operator'}-${process.pid}`,
    httpPort: integer(env, 'METROX_HTTP_PORT', 8080),
    concurrency: Math.max(1, integer(env, 'METROX_CONCURRENCY', 8)),
    resyncSeconds: integer(env, 'METROX_RESYNC_SECONDS', 600),
    driftCheckSeconds: integer(env, 'METROX_DRIFT_CHECK_SECONDS', 600),
    otlpEndpoint: env.METROX_OTLP_ENDPOINT ?? 'http://otel-collector.metrox.svc:4318',
    cipherImage: env.METROX_CIPHER_IMAGE === undefined || env.METROX_CIPHER_IMAGE === '' ? defaultCipherImage : env.METROX_CIPHER_IMAGE,
    postgres,
    broker,
  };
}
