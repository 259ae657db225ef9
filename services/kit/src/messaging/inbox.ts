// Idempotent inbox: each delivery is validated, then the handler's effect and the
// event id commit in one transaction. A redelivered event finds its id and is
// acknowledged with no second effect; failures retry with backoff, then dead-letter.
//
// Tracing: the consumer span is a CHILD of the producer's context from the envelope
// (not a span link). Every event here is processed on its own, so a parent is
// unambiguous, and it keeps one ticket purchase one trace across all services, which
// is what dashboards and trace search rely on. Links are for batch consumers, where
// one span processes many events with different parents (batch-inbox.ts).
import type { EventData, EventType } from '@metrox/contracts';
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { escapeLiteral, prepared, withTransactionOpenedBy, type Pool, type Tx } from '../db/pool.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type { KitMetrics } from '../metrics/registry.ts';
import { observeWithExemplar } from '../metrics/registry.ts';
import { extractTraceContext, kitTracer } from '../telemetry/trace-context.ts';
import { handleBatch } from './batch-inbox.ts';
import { DeliveryBatcher, effectiveBatchLimits, type BatchLimits } from './batcher.ts';
import type { Broker, ConsumerHandle, Delivery, Settlement } from './broker.ts';
import { parseEnvelope, type EventEnvelope, type ParseResult } from './envelope.ts';
import type { PublishInTransaction, PublishOptions } from './outbox.ts';
import { PermanentFailure, RetryableError, settleFailure, type RetryPolicy } from './retry.ts';

export interface EventContext<T extends EventType = EventType> {
  /** The whole envelope: id, source, time, subject, schemaversion… */
  event: EventEnvelope<T>;
  /** The open transaction: write the effect with it, so it commits with the inbox mark. */
  tx: Tx;
  /** Publishes a follow-up event in the same transaction (outbox). */
  publish: <U extends EventType>(type: U, data: EventData<U>, options?: PublishOptions) => Promise<EventEnvelope<U>>;
  logger: Logger;
  /** 1 on the first attempt. */
  attempt: number;
  /** True when the transaction applies a batch of events (batch-inbox.ts), whose `beforeCommit` runs once after them. */
  inBatch: boolean;
}

export type EventHandler<T extends EventType> = (data: EventData<T>, ctx: EventContext<T>) => Promise<void>;

/** What work done before the inbox transaction gets: the pool for reads, no transaction to publish in yet. */
export type PrepareContext<T extends EventType = EventType> = Omit<EventContext<T>, 'tx' | 'publish' | 'inBatch'> & { pool: Pool };

/**
 * A handler with slow outside work (a payment provider's answer) that must not hold a
 * database connection and its locks while it waits: `prepare` runs first, outside any
 * transaction, and returns the step that runs in the inbox transaction. A redelivery runs
 * `prepare` again, so its outside work must be idempotent (an idempotency key).
 */
export interface PreparedEventHandler<T extends EventType> {
  prepare: (data: EventData<T>, ctx: PrepareContext<T>) => Promise<EventHandler<T>>;
}

export type EventHandlers = { [T in EventType]?: EventHandler<T> | PreparedEventHandler<T> };

/**
 * Exactly one handler per event a service's declaration consumes: a missing one, or one
 * for an event it does not declare, is a type error (`satisfies Handlers<typeof declaration>`).
 */
export type Handlers<D extends { events: { consumes: readonly EventType[] } }> = {
  [T in D['events']['consumes'][number]]: EventHandler<T> | PreparedEventHandler<T>;
};

export interface InboxOptions {
  /** Durable queue / consumer name; also the inbox key, so two consumers in one database stay apart. */
  consumer: string;
  handlers: EventHandlers;
  pool: Pool;
  broker: Broker;
  publish: PublishInTransaction;
  logger: Logger;
  metrics?: Pick<KitMetrics, 'eventsConsumed' | 'eventLag'>;
  retry: RetryPolicy;
  prefetch: number;
  /** Opt-in: apply deliveries in batches, one transaction each (batch-inbox.ts). */
  batch?: InboxBatchOptions;
}

/**
 * Batched consumption: up to `maxSize` deliveries already received share one transaction
 * (one multi-row inbox mark, the handlers of the new events in turn, one COMMIT).
 */
export interface InboxBatchOptions extends BatchLimits {
  /**
   * Runs once in a batch's transaction after the handlers of its new events, with those
   * events in order: for work done per batch rather than per event (one notice for all).
   */
  beforeCommit?: (applied: EventEnvelope[], tx: Tx) => Promise<void>;
}

/**
 * Batching for a consumer whose events each touch rows of their own (one purchase each):
 * those already waiting share a transaction (same tick only, up to 16), and four batches
 * run at once, so a lone event starts at once, as without batching, and batches only
 * grow when events queue up. The prefetch is twice the batch, so the next fills while one
 * commits.
 */
export const ownRowsBatching: { prefetch: number; batch: InboxBatchOptions } = { prefetch: 32, batch: { maxSize: 16, maxWaitMs: 0, inFlight: 4 } };

/** What handling one delivery needs: everything but the broker it came from. */
export type DeliveryOptions = Omit<InboxOptions, 'broker' | 'prefetch' | 'batch'>;

/** The handler entry for an event type, if the consumer has one. */
export function handlerFor(options: Pick<DeliveryOptions, 'handlers'>, type: EventType): EventHandler<EventType> | PreparedEventHandler<EventType> | undefined {
  return options.handlers[type] as EventHandler<EventType> | PreparedEventHandler<EventType> | undefined;
}

/** The producing span's context, from the envelope's traceparent and tracestate. */
export function producerContext(envelope: EventEnvelope): Context {
  return extractTraceContext({
    ...(envelope.traceparent ? { traceparent: envelope.traceparent } : {}),
    ...(envelope.tracestate ? { tracestate: envelope.tracestate } : {}),
  });
}

/** The consumer span of one event: a child of its producer's context (see the header). */
export function startEventSpan(consumer: string, envelope: EventEnvelope, attempt: number): { span: Span; parent: Context } {
  const parent = producerContext(envelope);
  const span = kitTracer().startSpan(
    `${envelope.type} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': consumer,
        'messaging.message.id': envelope.id,
        'messaging.destination.name': envelope.type,
        'cloudevents.event_id': envelope.id,
        'cloudevents.event_source': envelope.source,
        'cloudevents.event_type': envelope.type,
        'metrox.delivery.attempt': attempt,
      },
    },
    parent,
  );
  return { span, parent };
}

/** Counts an applied event: consumed, and how long after it was produced. */
export function countProcessed(metrics: DeliveryOptions['metrics'], envelope: EventEnvelope): void {
  metrics?.eventsConsumed.inc({ type: envelope.type, outcome: 'processed' });
  if (metrics) observeWithExemplar(metrics.eventLag, { type: envelope.type }, Math.max(0, (Date.now() - Date.parse(envelope.time)) / 1_000));
}

/** Marks a span failed by `error` (its message, and `note` after it); returns the message. */
export function failSpan(span: Span, error: unknown, note = ''): string {
  const reason = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : new Error(reason));
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${reason}${note}` });
  return reason;
}

/** What a handler gets: the event, the inbox transaction and a publisher bound to it. */
export function handlerContext(options: Pick<DeliveryOptions, 'publish'>, tx: Tx, event: EventEnvelope, logger: Logger, attempt: number, inBatch: boolean): EventContext {
  return { event, tx, publish: (type, data, publishOptions) => options.publish(tx, type, data, publishOptions), logger, attempt, inBatch };
}

/** Pure: the inbox marks of `items`, one statement returning the ids it marked (values escaped as literals: it travels with BEGIN). */
export function inboxMarks(consumer: string, items: readonly { envelope: Pick<EventEnvelope, 'id' | 'type'> }[]): string {
  const rows = items.map((item) => `(${escapeLiteral(consumer)}, ${escapeLiteral(item.envelope.id)}, ${escapeLiteral(item.envelope.type)})`);
  return `INSERT INTO metrox_inbox (consumer, event_id, type) VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING RETURNING event_id`;
}

/** Handles one delivery end to end and says how to settle it; never throws. */
export async function handleDelivery(options: DeliveryOptions, delivery: Delivery): Promise<Settlement> {
  const parsed = parseEnvelope(delivery.body);
  return parsed.ok ? handleEnvelope(options, delivery, parsed.envelope) : deadLetterInvalid(options, parsed);
}

/** Dead-letters a delivery that is no valid event, with the reason. */
export function deadLetterInvalid(options: Pick<DeliveryOptions, 'logger' | 'metrics'>, parsed: Extract<ParseResult, { ok: false }>): Settlement {
  options.metrics?.eventsConsumed.inc({ type: parsed.type ?? 'unknown', outcome: 'dead_lettered' });
  options.logger.warn({ eventId: parsed.id, type: parsed.type, reason: parsed.reason }, 'invalid event sent to the dead-letter queue');
  return { kind: 'dead-letter', reason: `invalid event: ${parsed.reason}` };
}

/** handleDelivery for a delivery already parsed into `envelope`; never throws. */
export async function handleEnvelope(options: DeliveryOptions, delivery: Delivery, envelope: EventEnvelope): Promise<Settlement> {
  const { consumer, logger, metrics } = options;
  const entry = handlerFor(options, envelope.type);
  if (!entry) return noHandler(options, envelope);

  const { span, parent } = startEventSpan(consumer, envelope, delivery.attempt);
  return context.with(trace.setSpan(parent, span), async () => {
    const log = logger.child({ eventId: envelope.id, type: envelope.type, attempt: delivery.attempt });
    try {
      const applied = await applyOnce(options, entry, envelope, delivery.attempt, log);
      if (applied) {
        countProcessed(metrics, envelope);
        log.debug('event processed');
      } else {
        metrics?.eventsConsumed.inc({ type: envelope.type, outcome: 'duplicate' });
        span.setAttribute('metrox.inbox.duplicate', true);
        log.info('duplicate event acknowledged without effect');
      }
      return { kind: 'ack' } as const;
    } catch (error) {
      const reason = failSpan(span, error);
      // A database outage is nobody's bug: like a peer's outage, it never dead-letters an event.
      const failure = error instanceof PermanentFailure ? 'permanent' : error instanceof RetryableError || isDatabaseUnavailable(error) ? 'transient' : 'counted';
      const settlement = settleFailure(delivery.attempt, reason, options.retry, failure);
      metrics?.eventsConsumed.inc({
        type: envelope.type,
        outcome: settlement.kind === 'retry' ? 'retried' : 'dead_lettered',
      });
      log.warn({ err: error, settlement: settlement.kind }, 'event handler failed');
      return settlement;
    } finally {
      span.end();
    }
  });
}

/** Dead-letters an event the consumer has no handler for. */
function noHandler(options: Pick<DeliveryOptions, 'consumer' | 'metrics'>, envelope: EventEnvelope): Settlement {
  options.metrics?.eventsConsumed.inc({ type: envelope.type, outcome: 'dead_lettered' });
  return { kind: 'dead-letter', reason: `consumer ${options.consumer} has no handler for ${envelope.type}` };
}

/**
 * The handler's effect and the inbox mark, in one transaction; false when the event id was
 * processed before. A prepared handler's outside work runs first, unless the id is known.
 */
async function applyOnce(
  options: DeliveryOptions,
  entry: EventHandler<EventType> | PreparedEventHandler<EventType>,
  envelope: EventEnvelope,
  attempt: number,
  logger: Logger,
): Promise<boolean> {
  let handler: EventHandler<EventType>;
  if (typeof entry === 'function') {
    handler = entry;
  } else {
    if (await alreadyProcessed(options.pool, options.consumer, envelope.id)) return false;
    handler = await entry.prepare(envelope.data, { event: envelope, logger, attempt, pool: options.pool });
  }
  // BEGIN and the inbox mark in one round trip.
  return withTransactionOpenedBy(options.pool, inboxMarks(options.consumer, [{ envelope }]), async (tx, [marked]) => {
    // A concurrent delivery of the same id waits on the key and then finds it taken.
    if (marked?.rowCount !== 1) return false;
    await handler(envelope.data, handlerContext(options, tx, envelope, logger, attempt, false));
    return true;
  });
}

async function alreadyProcessed(pool: Pool, consumer: string, eventId: string): Promise<boolean> {
  const { rowCount } = await pool.query(prepared('SELECT 1 FROM metrox_inbox WHERE consumer = $1 AND event_id = $2', [consumer, eventId]));
  return (rowCount ?? 0) > 0;
}

/** Subscribes the handlers' event types and processes deliveries until stopped, one by one or in batches. */
export function startInbox(options: InboxOptions): Promise<ConsumerHandle> {
  const subscription = { consumer: options.consumer, types: Object.keys(options.handlers), prefetch: options.prefetch };
  const { batch } = options;
  if (!batch) return options.broker.consume(subscription, (delivery) => handleDelivery(options, delivery));
  const batcher = new DeliveryBatcher(effectiveBatchLimits(batch, options.prefetch), (deliveries) => handleBatch(options, batch, deliveries));
  return options.broker.consume(subscription, (delivery) => batcher.add(delivery));
}
