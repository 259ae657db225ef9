// The kit's Prometheus metrics. Names and labels follow the OpenTelemetry semantic
// conventions as Prometheus renders them (dots become underscores, unit suffix
// `_seconds`), so one dashboard reads them whether they are scraped here or arrive
// through OTLP. Histograms carry the trace id as an exemplar (OpenMetrics format).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues, type OpenMetricsContentType } from 'prom-client';
import { shedReasons } from '../http/admission.ts';
import { activeTraceFields } from '@metrox/telemetry';
import { boundedRead } from './bounded-read.ts';

/** Bucket bounds of the request-duration histograms, in seconds (the MetroXService API's latency thresholds are these). */
export const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const lagBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export type ConsumeOutcome = 'processed' | 'duplicate' | 'retried' | 'dead_lettered';

export interface KitMetrics {
  registry: Registry<OpenMetricsContentType>;
  httpServerDuration: Histogram<'http_request_method' | 'http_route' | 'http_response_status_code'>;
  rpcServerDuration: Histogram<'rpc_service' | 'rpc_method' | 'rpc_grpc_status_code'>;
  eventsPublished: Counter<'type'>;
  eventsConsumed: Counter<'type' | 'outcome'>;
  outboxPending: Gauge;
  outboxOldestAge: Gauge;
  eventLag: Histogram<'type'>;
  deadLetters: Gauge<'queue'>;
  httpRequestsShed: Counter<'reason'>;
  httpActiveRequests: Gauge;
}

/** Observes a histogram with the active trace id as exemplar when there is one. */
export function observeWithExemplar<L extends string>(
  histogram: Histogram<L>,
  labels: Partial<Record<L, string | number>>,
  value: number,
): void {
  const ids = activeTraceFields();
  // prom-client types exemplar labels like metric labels; they are free-form in OpenMetrics.
  const exemplarLabels = (ids ? { trace_id: ids.trace_id, span_id: ids.span_id } : {}) as LabelValues<L>;
  histogram.observe({ labels, value, exemplarLabels });
}

export interface OutboxBacklog {
  pending: number;
  oldestAgeSeconds: number;
}

/** Dead letters waiting, by consumer queue. */
export type DeadLetterDepths = Record<string, number>;

// The broker is asked at most every few seconds, and a scrape never waits long for it.
const deadLetterRead = { timeoutMs: 1_000, maxAgeMs: 2_000 };
// The outbox is read on every scrape; while the database is away the last reading stands,
// so a scrape still answers (and the process metrics with it).
const backlogRead = { timeoutMs: 1_000, maxAgeMs: 0 };

export function createMetrics(options: { collectDefaults?: boolean } = {}): KitMetrics & {
  setOutboxBacklogSource: (source: () => Promise<OutboxBacklog>) => void;
  setDeadLetterSource: (source: () => Promise<DeadLetterDepths>) => void;
  setActiveRequestsSource: (source: () => number) => void;
} {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  if (options.collectDefaults ?? true) collectDefaultMetrics({ register: registry });

  let backlogSource: (() => Promise<OutboxBacklog>) | undefined;
  let lastBacklog: Promise<OutboxBacklog> | undefined;
  // One query per scrape feeds both outbox gauges.
  const readBacklog = (): Promise<OutboxBacklog> => {
    lastBacklog ??= (backlogSource?.() ?? Promise.resolve({ pending: 0, oldestAgeSeconds: 0 })).finally(() => {
      setImmediate(() => (lastBacklog = undefined));
    });
    return lastBacklog;
  };

  let readDeadLetters: (() => Promise<DeadLetterDepths>) | undefined;
  let activeRequests: () => number = () => 0;

  const metrics: KitMetrics = {
    registry,
    httpServerDuration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests.',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
      buckets: latencyBuckets,
      registers: [registry],
      enableExemplars: true,
    }),
    rpcServerDuration: new Histogram({
      name: 'rpc_server_duration_seconds',
      help: 'Duration of gRPC server calls.',
      labelNames: ['rpc_service', 'rpc_method', 'rpc_grpc_status_code'],
      buckets: latencyBuckets,
      registers: [registry],
      enableExemplars: true,
    }),
    eventsPublished: new Counter({
      name: 'metrox_events_published_total',
      help: 'Events the outbox relay published and the broker confirmed.',
      labelNames: ['type'],
      registers: [registry],
    }),
    eventsConsumed: new Counter({
      name: 'metrox_events_consumed_total',
      help: 'Events received, by outcome: processed, duplicate, retried, dead_lettered.',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: 'metrox_outbox_pending',
      help: 'Outbox rows not yet published.',
      registers: [registry],
      async collect() {
        this.set((await readBacklog()).pending);
      },
    }),
    outboxOldestAge: new Gauge({
      name: 'metrox_outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when none).',
      registers: [registry],
      async collect() {
        this.set((await readBacklog()).oldestAgeSeconds);
      },
    }),
    eventLag: new Histogram({
      name: 'metrox_event_lag_seconds',
      help: 'Time from an event being produced to it being processed by this consumer.',
      labelNames: ['type'],
      buckets: lagBuckets,
      registers: [registry],
      enableExemplars: true,
    }),
    deadLetters: new Gauge({
      name: 'metrox_dead_letter_messages',
      help: 'Messages waiting in the dead-letter queue of each consumer queue, as the broker reports them.',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        if (!readDeadLetters) return;
        const depths = await readDeadLetters();
        this.reset();
        for (const [queue, count] of Object.entries(depths)) this.set({ queue }, count);
      },
    }),
    httpRequestsShed: new Counter({
      name: 'metrox_http_requests_shed_total',
      help: 'HTTP requests answered 503 at once because the service was overloaded, by reason: in_flight, event_loop_delay, pool_wait.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    httpActiveRequests: new Gauge({
      name: 'http_server_active_requests',
      help: 'HTTP requests admitted and not yet answered (probes, scrapes and the API document not counted).',
      registers: [registry],
      collect() {
        this.set(activeRequests());
      },
    }),
  };
  // Every reason is exported from the start, at 0: a dashboard shows "nothing shed", not "no data".
  for (const reason of shedReasons) metrics.httpRequestsShed.inc({ reason }, 0);
  return {
    ...metrics,
    setOutboxBacklogSource(source) {
      backlogSource = boundedRead(source, { pending: 0, oldestAgeSeconds: 0 }, backlogRead);
    },
    setDeadLetterSource(source) {
      readDeadLetters = boundedRead(source, {}, deadLetterRead);
    },
    setActiveRequestsSource(source) {
      activeRequests = source;
    },
  };
}
