// Transactional outbox, write side: `publish` adds the event to the caller's database
// transaction, so the state change and the event commit (or roll back) together.
import type { EventData, EventType } from '@metrox/contracts';
import { prepared, type Tx } from '../db/pool.ts';
import { injectTraceContext } from '../telemetry/trace-context.ts';
import { createEnvelope, type EventEnvelope } from './envelope.ts';

export const outboxChannel = 'metrox_outbox';

export interface PublishOptions {
  /** A stable id makes a retried request publish the same event; defaults to a new UUID. */
  id?: string;
  subject?: string;
  time?: Date;
}

export type PublishInTransaction = <T extends EventType>(
  tx: Tx,
  type: T,
  data: EventData<T>,
  options?: PublishOptions,
) => Promise<EventEnvelope<T>>;

const insertOutboxRow = `WITH row AS (
    INSERT INTO metrox_outbox (id, type, envelope, traceparent, tracestate)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (id) DO NOTHING
  )
  SELECT pg_notify($6, $2)`;

/** Returns the `publish` function for a service (its name is the CloudEvents `source`). */
export function createOutboxPublisher(source: string): PublishInTransaction {
  return async (tx, type, data, options = {}) => {
    const trace = injectTraceContext();
    const envelope = createEnvelope(type, data, { source, ...options, ...trace });
    // One round trip: the row, and a NOTIFY (delivered at COMMIT only) that wakes the
    // relay without waiting for its next poll.
    await tx.query(
      prepared(insertOutboxRow, [envelope.id, type, JSON.stringify(envelope), trace.traceparent ?? null, trace.tracestate ?? null, outboxChannel]),
    );
    return envelope;
  };
}
