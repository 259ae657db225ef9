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
import { context, SpanKind, SpanStatusCode, trace, type Link, type Span } from '@opentelemetry/api';
import { escapeLiteral, withTransactionOpenedBy, type Tx } from '../db/pool.ts';
import { kitTracer } from '../telemetry/trace-context.ts';
import type { Delivery, Settlement } from './broker.ts';
import { parseEnvelope, type EventEnvelope } from './envelope.ts';
import { countProcessed, handleDelivery, handlerFor, noHandler, producerContext, startEventSpan, type DeliveryOptions, type EventHandler, type InboxBatchOptions } from './inbox.ts';

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
    const entry = parsed.ok ? handlerFor(options, parsed.envelope.type) : undefined;
    if (parsed.ok && entry === undefined) {
      settlements[index] = Promise.resolve(noHandler(options, parsed.envelope));
    } else if (parsed.ok && typeof entry === 'function') {
      batchable.push({ index, delivery, envelope: parsed.envelope, handler: entry });
    } else {
      // Invalid (dead-lettered with its reason), or a prepared handler whose outside work
      // must not hold the batch's connection: the one-by-one path.
      settlements[index] = handleDelivery(options, delivery);
    }
  });
  if (batchable.length === 1 && batchable[0]) {
    settlements[batchable[0].index] = handleDelivery(options, batchable[0].delivery);
  } else if (batchable.length > 1) {
    try {
      await applyTogether(options, batch, batchable);
      for (const item of batchable) settlements[item.index] = Promise.resolve({ kind: 'ack' });
    } catch (error) {
      options.logger.warn({ err: error, events: batchable.length }, 'batch failed; handling each of its events alone');
      for (const item of batchable) settlements[item.index] = handleDelivery(options, item.delivery);
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
    const reason = error instanceof Error ? error.message : String(error);
    span.recordException(error instanceof Error ? error : new Error(reason));
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
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
    await context.with(trace.setSpan(parent, span), () =>
      item.handler(envelope.data, {
        event: envelope,
        tx,
        publish: (type, data, publishOptions) => options.publish(tx, type, data, publishOptions),
        logger,
        attempt: delivery.attempt,
        inBatch: true,
      }),
    );
    return span;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    span.recordException(error instanceof Error ? error : new Error(reason));
    span.setStatus({ code: SpanStatusCode.ERROR, message: `${reason} (the batch is handled again one by one)` });
    throw error;
  } finally {
    span.end();
  }
}

/** Pure: the batch's inbox marks, one statement (values escaped as literals: it travels with BEGIN). */
export function inboxMarks(consumer: string, items: readonly { envelope: Pick<EventEnvelope, 'id' | 'type'> }[]): string {
  const rows = items.map((item) => `(${escapeLiteral(consumer)}, ${escapeLiteral(item.envelope.id)}, ${escapeLiteral(item.envelope.type)})`);
  return `INSERT INTO metrox_inbox (consumer, event_id, type) VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING RETURNING event_id`;
}
