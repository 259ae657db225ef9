// Every domain event feeds the projections; the live feed hears of it after COMMIT.
// Events are applied in batches (one transaction for those that arrived together); a
// batch announces all its events in one notice at its end, a lone event its own.
import { prepared, type EventContext, type EventEnvelope, type Handlers, type InboxBatchOptions, type Tx } from '@metrox/kit';
import { operationsDeclaration } from '../declaration.ts';
import { announcement, announcements } from '../live/event-feed.ts';
import { applyEvent } from '../projections/apply.ts';

/**
 * Up to 64 events per transaction, the first waiting at most 5 ms for more: a projection a
 * few milliseconds later is invisible on a dashboard, and a burst costs far fewer round trips.
 */
export const projectionBatch = { maxSize: 64, maxWaitMs: 5 } as const;
/** Deliveries in flight: enough for a full batch while the previous one commits. */
export const projectionPrefetch = 128;

/** The batch mode of the projections: one notice for all of a batch's events, before its COMMIT. */
export function projectionBatchOptions(origin: string): InboxBatchOptions {
  return {
    ...projectionBatch,
    beforeCommit: async (applied: EventEnvelope[], tx: Tx) => {
      for (const notice of announcements(applied.map((event) => event.id), origin)) {
        await tx.query(prepared('SELECT pg_notify($1, $2)', [notice.channel, notice.payload]));
      }
    },
  };
}

/** `origin` names this replica in the feed's notifications. */
export function projectionHandlers(origin: string): Handlers<typeof operationsDeclaration> {
  const handle = async (_data: unknown, ctx: EventContext): Promise<void> => {
    await applyEvent(ctx.tx, ctx.event, ctx.inBatch ? undefined : announcement(ctx.event.id, origin));
  };
  // One handler for every consumed type: built from the declaration's list, which the cast names.
  return Object.fromEntries(operationsDeclaration.events.consumes.map((type) => [type, handle])) as Handlers<typeof operationsDeclaration>;
}
