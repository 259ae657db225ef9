// MetroXService, metrox.io/v1alpha1: the one declaration of the API. The CRD
// schema (crd.ts), the TypeScript types and the defaults below all derive from it.
import type { V1EnvVar, V1ResourceRequirements } from '@kubernetes/client-node';
import { array, boolean, embedded, integer, number, object, string, type Infer, type InferInput } from './schema-builder.ts';

export const group = 'metrox.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;
export const kind = 'MetroXService';
export const plural = 'metroxservices';
export const singular = 'metroxservice';
export const shortNames = ['mxs'];

/** The periods an SLO can be measured over (Prometheus durations). */
export const sloWindows = ['7d', '14d', '28d', '30d'] as const;

/**
 * Latency thresholds an SLO may use: exactly the bucket bounds of the services'
 * http_server_request_duration_seconds histogram (a test keeps the two alike), so the
 * SLI reads one bucket instead of interpolating.
 */
export const latencyThresholds = ['5ms', '10ms', '25ms', '50ms', '75ms', '100ms', '250ms', '500ms', '750ms', '1s', '2.5s', '5s', '7.5s', '10s'] as const;

function objectivePercent(what: string, byDefault: number) {
  // A CEL rule, not `maximum`: the API server prints a float bound as an integer ("99").
  return number({
    description: `${what} Percent, from 50 up to (not including) 100.`,
    default: byDefault,
    validations: [{ rule: 'self >= 50.0 && self < 100.0', message: 'an objective is a percentage from 50 up to (not including) 100, e.g. 99.9' }],
  });
}

const eventTypeName = string({
  description: 'An event type name in PascalCase, e.g. TransactionCreated.',
  pattern: '^[A-Z][A-Za-z0-9]*$',
  maxLength: 100,
});

export const specSchema = object(
  {
    image: string({
      description: 'Container image of the service, e.g. ghcr.io/metrox/payment:1.4.2.',
      minLength: 1,
      maxLength: 512,
    }),
    replicas: integer({
      description: 'Desired number of Pods, carried to the Deployment. With autoscaling set, the HorizontalPodAutoscaler writes it through the scale subresource (as kubectl scale does).',
      minimum: 0,
      maximum: 1000,
      default: 1,
    }),
    ports: object(
      {
        http: integer({ description: 'Port of the HTTP server: REST API, /healthz, /readyz and /metrics.', minimum: 1, maximum: 65535, default: 8080 }),
        grpc: integer({ description: 'Port of the gRPC server, if the service has one.', minimum: 1, maximum: 65535 }),
      },
      {
        description: 'Ports the service listens on.',
        default: {},
        validations: [{ rule: '!has(self.grpc) || self.grpc != self.http', message: 'ports.grpc must differ from ports.http', fieldPath: '.grpc' }],
      },
    ),
    resources: embedded<V1ResourceRequirements>({
      description: 'CPU and memory requests and limits of the service container (core/v1 ResourceRequirements). Defaults to requests of 100m CPU and 128Mi memory, limit 256Mi.',
    }),
    env: array(
      embedded<V1EnvVar>({
        description: 'A core/v1 EnvVar.',
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1, description: 'Name of the environment variable.' } },
      }),
      {
        description: 'Extra environment variables for the service container (core/v1 EnvVar). The operator-managed ones (OTEL_*, LOG_LEVEL, DATABASE_URL, AMQP_URL, METROX_*) cannot be overridden.',
        maxItems: 100,
        listType: 'map',
        listMapKeys: ['name'],
      },
    ),
    autoscaling: object(
      {
        minReplicas: integer({ description: 'Lower bound of the replica count.', minimum: 1, maximum: 1000, default: 1 }),
        maxReplicas: integer({ description: 'Upper bound of the replica count; at least minReplicas.', minimum: 1, maximum: 1000 }),
        targetCPUUtilizationPercentage: integer({ description: 'Average CPU utilisation (percent of the request) the autoscaler aims for.', minimum: 1, maximum: 100, default: 70 }),
      },
      {
        description: 'Scale the service with a HorizontalPodAutoscaler on CPU. The autoscaler targets this MetroXService through its scale subresource and sets spec.replicas.',
        required: ['maxReplicas'],
        validations: [
          { rule: 'self.maxReplicas >= self.minReplicas', message: 'autoscaling.maxReplicas must be greater than or equal to autoscaling.minReplicas', fieldPath: '.maxReplicas' },
        ],
      },
    ),
    database: object(
      {
        name: string({
          description: 'Name of the Postgres database and of its role. Defaults to metadata.name (dashes become underscores). Immutable once set.',
          pattern: '^[a-z][a-z0-9_]*$',
          maxLength: 63,
        }),
        deletionPolicy: string({
          description: 'What deleting the MetroXService does to the database: Retain keeps it (the default), Delete drops it with its role.',
          enum: ['Retain', 'Delete'],
          default: 'Retain',
        }),
      },
      {
        description: 'A Postgres database owned by this service, with its own role. Credentials land in the Secret named in status.database.secretName.',
        validations: [
          {
            rule: 'has(self.name) == has(oldSelf.name) && (!has(self.name) || self.name == oldSelf.name)',
            message: 'database.name is immutable once set: the data lives in the database of that name',
            fieldPath: '.name',
          },
        ],
      },
    ),
    events: object(
      {
        publishes: array(eventTypeName, { description: 'Event types this service publishes.', maxItems: 64, listType: 'set', default: [] }),
        subscribes: array(eventTypeName, { description: 'Event types delivered to this service\'s queue; the queue is bound to exactly these.', maxItems: 64, listType: 'set', default: [] }),
      },
      { description: 'Events the service publishes to and consumes from the platform broker.', default: {} },
    ),
    peers: array(
      object(
        {
          name: string({ description: 'Name of the MetroXService called, in the same namespace.', pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
          port: integer({ description: 'Its gRPC port (its spec.ports.grpc).', minimum: 1, maximum: 65535 }),
        },
        { description: 'A MetroXService this one calls over gRPC.', required: ['name', 'port'] },
      ),
      {
        description: 'MetroXServices this service calls over gRPC. Each one becomes the environment variable <NAME>_GRPC_ADDRESS (upper case, dashes as underscores) = <name>.<namespace>.svc:<port>, the address of its Service.',
        maxItems: 32,
        listType: 'map',
        listMapKeys: ['name'],
      },
    ),
    cipher: object(
      {
        enabled: boolean({ description: 'Run the cipher helper beside the service as a native sidecar; the service reaches it at CIPHER_ADDR (127.0.0.1:7400).', default: false }),
        keySecretName: string({
          description: 'Secret holding the AES-256 keys, one entry per key id (the newest id encrypts). Mounted read-only into the helper alone, never into the service. Required when enabled.',
          pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
          maxLength: 253,
        }),
        image: string({ description: 'Container image of the helper. Defaults to the operator\'s configured cipher image (its METROX_CIPHER_IMAGE; the MetroX release\'s cipher image when unset).', minLength: 1, maxLength: 512 }),
      },
      {
        description: 'An encryption helper on loopback TCP, as a sidecar: the service encrypts and decrypts without ever holding the keys.',
        validations: [{ rule: '!self.enabled || has(self.keySecretName)', message: 'cipher.keySecretName is required when cipher.enabled is true: name the Secret holding the keys', fieldPath: '.keySecretName' }],
      },
    ),
    slo: object(
      {
        enabled: boolean({ description: 'Render the SLO recording rules and burn-rate alerts. False renders none.', default: true }),
        window: string({
          description: 'The period each objective is measured over, and the error budget is spent over.',
          enum: sloWindows,
          default: '28d',
        }),
        availability: object(
          { objective: objectivePercent('Percentage of HTTP requests (health, readiness, metrics and OpenAPI routes excluded) answered without a 5xx status.', 99.9) },
          { description: 'Availability objective of the HTTP API.', default: {} },
        ),
        latency: object(
          {
            objective: objectivePercent('Percentage of HTTP requests (health, readiness, metrics and OpenAPI routes excluded) answered within the threshold.', 99),
            threshold: string({
              description: 'Latency threshold: one of the bounds of the http_server_request_duration_seconds histogram, so the SLI is exact.',
              enum: latencyThresholds,
              default: '500ms',
            }),
          },
          { description: 'Latency objective of the HTTP API.', default: {} },
        ),
        events: object(
          { objective: objectivePercent('Percentage of consumed events processed without being dead-lettered. Applies when events.subscribes is not empty.', 99.9) },
          { description: 'Event-processing objective of the service\'s consumer.', default: {} },
        ),
      },
      {
        description:
          'Service level objectives. Each becomes SLI recording rules and the four multiwindow multi-burn-rate alerts (page: 14.4x over 1h and 5m, 6x over 6h and 30m; ticket: 3x over 1d and 2h, 1x over 3d and 6h), as a PrometheusRule when the Prometheus Operator is installed, else as a rules ConfigMap the platform Prometheus loads.',
        default: {},
      },
    ),
    observability: object(
      {
        logLevel: string({ description: 'Minimum level of the JSON logs.', enum: ['trace', 'debug', 'info', 'warn', 'error'], default: 'info' }),
        tracing: object(
          { samplingRatio: number({ description: 'Fraction of new traces sampled, 0 to 1 (parent-based: a sampled caller keeps its child sampled).', minimum: 0, maximum: 1, default: 1 }) },
          { description: 'Tracing through OpenTelemetry (OTLP).', default: {} },
        ),
        metrics: object(
          { path: string({ description: 'HTTP path of the Prometheus metrics endpoint.', pattern: '^/[A-Za-z0-9/_.-]*$', maxLength: 200, default: '/metrics' }) },
          { description: 'Prometheus metrics endpoint.', default: {} },
        ),
        dashboard: boolean({ description: 'Provision a Grafana dashboard (RED, events, outbox) for the service.', default: true }),
      },
      { description: 'Logs, traces, metrics and dashboard of the service.', default: {} },
    ),
  },
  {
    description: 'Desired state of a MetroX service.',
    required: ['image'],
    validations: [
      {
        // The sidecar shares the Pod's network namespace: its ports are taken.
        rule: '!has(self.cipher) || !self.cipher.enabled || !has(self.ports) || ([self.ports.http] + (has(self.ports.grpc) ? [self.ports.grpc] : [])).all(p, p != 7400 && p != 9465)',
        message: 'ports 7400 and 9465 belong to the cipher sidecar when cipher.enabled is true: choose other service ports',
        fieldPath: '.ports',
      },
    ],
  },
);

export type MetroXServiceSpec = Infer<typeof specSchema>;

/** The variable a service reads its gRPC peer's address from (spec.peers): the services' own rule. */
export { peerAddressVariable } from '@metrox/contracts/declaration';

/** A peer's address inside the cluster: its Service's DNS name and gRPC port. */
export function peerAddress(peer: { name: string; port: number }, namespace: string): string {
  return `${peer.name}.${namespace}.svc:${String(peer.port)}`;
}
export type MetroXServiceSpecInput = InferInput<typeof specSchema>;
export type DeletionPolicy = NonNullable<MetroXServiceSpec['database']>['deletionPolicy'];
export type LogLevel = MetroXServiceSpec['observability']['logLevel'];
export type SloSpec = MetroXServiceSpec['slo'];

/** metav1.Condition. */
export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  /** CamelCase, machine-readable. */
  reason: string;
  /** What happened and what a person can do about it. */
  message: string;
}

export const conditionTypes = ['Ready', 'Available', 'DatabaseReady', 'BrokerReady', 'DashboardReady'] as const;
export type ConditionType = (typeof conditionTypes)[number];

export interface MetroXServiceStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  /** Label selector of the Pods, for the scale subresource (and so for an HPA targeting the MetroXService). */
  selector?: string;
  conditions?: Condition[];
  database?: { name: string; secretName: string };
  broker?: { queue: string; boundTypes?: string[] };
  dashboard?: { configMapName: string };
  /** What the operator last wired outside Kubernetes, so a resync need not do it again. */
  wiring?: { database?: WiringRecord; broker?: WiringRecord };
}

/** One piece of wiring (database, broker topology): a digest of what was wired, and when it was last verified. */
export interface WiringRecord {
  hash: string;
  verifiedAt: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

/** A MetroXService as the API server returns it (defaults applied). */
export interface MetroXService {
  apiVersion: typeof apiVersion;
  kind: typeof kind;
  metadata: ObjectMeta;
  spec: MetroXServiceSpec;
  status?: MetroXServiceStatus;
}

/** A MetroXService as a person writes it (charts, examples). */
export interface MetroXServiceInput {
  apiVersion: typeof apiVersion;
  kind: typeof kind;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: MetroXServiceSpecInput;
}

/** Builds a MetroXService manifest, typed against the API. */
export function metroxService(metadata: MetroXServiceInput['metadata'], spec: MetroXServiceSpecInput): MetroXServiceInput {
  return { apiVersion, kind, metadata, spec };
}
