// The inbox, batched: deliveries that arrived together share one transaction. BEGIN and
// one multi-row inbox mark (ON CONFLICT DO NOTHING RETURNING) travel in one round trip;
// the ids it returns are the new events, so an event seen before, or twice in the batch,
// is acknowledged with no second effect exactly as on the one-by-one path. The handlers
// of the new events run in turn, `beforeCommit` once, then one COMMIT; every delivery
// is acknowledged after it. If anything in the batch fails, the transaction rolls back
// and each delivery is handled alone (handleDelivery), so a poison event is retried or
// dead-lettered on its own and never takes the others with it.
//
// Tracing: one `process` span per batch, linked to each event's producer (the shared
// inbox mark and COMMIT belong to no single event), and inside it one span per event,
// still a CHILD of its producer's context: its handler's work is that event's alone, and
// it keeps one ticket purchase one trace across all services, as on the one-by-one path.
import type { EventType } from '@metrox/contracts';
import { context, SpanKind, trace, type Link, type Span } from '@opentelemetry/api';
import { withTransactionOpenedBy, type Tx } from '../db/pool.ts';
import { kitTracer } from '../telemetry/trace-context.ts';
import type { Delivery, Settlement } from './broker.ts';
import { parseEnvelope, type EventEnvelope } from './envelope.ts';
import { countProcessed, deadLetterInvalid, failSpan, handleEnvelope, handlerContext, handlerFor, inboxMarks, producerContext, startEventSpan, type DeliveryOptions, type EventHandler, type InboxBatchOptions } from './inbox.ts';

interface Batchable {
  index: number;
  delivery: Delivery;
  envelope: EventEnvelope;
  handler: EventHandler<EventType>;
}

/** Settles a batch of deliveries, one settlement each in the same order; never throws. */
export async function handleBatch(options: DeliveryOptions, batch: Pick<InboxBatchOptions, 'beforeCommit'>, deliveries: Delivery[]): Promise<Settlement[]> {
  const settlements: Promise<Settlement>[] = [];
  const batchable: Batchable[] = [];
  deliveries.forEach((delivery, index) => {
    const parsed = parseEnvelope(delivery.body);
    if (!parsed.ok) {
      settlements[index] = Promise.resolve(deadLetterInvalid(options, parsed));
      return;
    }
    const entry = handlerFor(options, parsed.envelope.type);
    if (typeof entry === 'function') batchable.push({ index, delivery, envelope: parsed.envelope, handler: entry });
    // No handler (dead-lettered), or a prepared handler whose outside work must not hold
    // the batch's connection: the one-by-one path.
    else settlements[index] = handleEnvelope(options, delivery, parsed.envelope);
  });
  const alone = (item: Batchable): void => {
    settlements[item.index] = handleEnvelope(options, item.delivery, item.envelope);
  };
  if (batchable.length === 1 && batchable[0]) {
    alone(batchable[0]);
  } else if (batchable.length > 1) {
    try {
      await applyTogether(options, batch, batchable);
      for (const item of batchable) settlements[item.index] = Promise.resolve({ kind: 'ack' });
    } catch (error) {
      options.logger.warn({ err: error, events: batchable.length }, 'batch failed; handling each of its events alone');
      batchable.forEach(alone);
    }
  }
  return Promise.all(settlements);
}

/** One transaction for the whole batch; throws (after ROLLBACK) if any part fails. */
async function applyTogether(options: DeliveryOptions, batch: Pick<InboxBatchOptions, 'beforeCommit'>, items: Batchable[]): Promise<void> {
  const { consumer, metrics } = options;
  const links: Link[] = items.flatMap((item) => {
    const producer = trace.getSpanContext(producerContext(item.envelope));
    return producer ? [{ context: producer, attributes: { 'messaging.message.id': item.envelope.id } }] : [];
  });
  const span = kitTracer().startSpan(`${consumer} process`, {
    kind: SpanKind.CONSUMER,
    links,
    attributes: { 'messaging.operation.type': 'process', 'messaging.consumer.group.name': consumer, 'messaging.batch.message_count': items.length },
  });
  try {
    const outcome = await context.with(trace.setSpan(context.active(), span), () =>
      withTransactionOpenedBy(options.pool, inboxMarks(consumer, items), async (tx, [marked]) => {
        const fresh = new Set((marked?.rows ?? []).map((row: { event_id: string }) => row.event_id));
        const applied: { item: Batchable; span: Span }[] = [];
        const duplicates: Batchable[] = [];
        for (const item of items) {
          // Taken from the set, so the second copy of an id in one batch is a duplicate.
          if (fresh.delete(item.envelope.id)) {
            applied.push({ item, span: await runHandler(options, tx, item, items.length) });
          } else {
            duplicates.push(item);
          }
        }
        if (batch.beforeCommit && applied.length > 0) await batch.beforeCommit(applied.map(({ item }) => item.envelope), tx);
        return { applied, duplicates };
      }),
    );
    // In each event's span context, so the lag histogram's exemplar opens that event's trace.
    for (const { item, span: eventSpan } of outcome.applied) context.with(trace.setSpan(context.active(), eventSpan), () => { countProcessed(metrics, item.envelope); });
    for (const item of outcome.duplicates) metrics?.eventsConsumed.inc({ type: item.envelope.type, outcome: 'duplicate' });
    span.setAttribute('metrox.inbox.duplicates', outcome.duplicates.length);
    if (outcome.duplicates.length > 0) options.logger.info({ eventIds: outcome.duplicates.map((item) => item.envelope.id) }, 'duplicate events acknowledged without effect');
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** One event's handler inside the batch transaction, in its own span (a child of its producer); returns that span, ended. */
async function runHandler(options: DeliveryOptions, tx: Tx, item: Batchable, size: number): Promise<Span> {
  const { envelope, delivery } = item;
  const { span, parent } = startEventSpan(options.consumer, envelope, delivery.attempt);
  span.setAttribute('messaging.batch.message_count', size);
  const logger = options.logger.child({ eventId: envelope.id, type: envelope.type, attempt: delivery.attempt });
  try {
    await context.with(trace.setSpan(parent, span), () => item.handler(envelope.data, handlerContext(options, tx, envelope, logger, delivery.attempt, true)));
    return span;
  } catch (error) {
    failSpan(span, error, ' (the batch is handled again one by one)');
    throw error;
  } finally {
    span.end();
  }
}
