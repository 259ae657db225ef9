// Every domain event feeds the projections; the live feed hears of it after COMMIT.
import type { EventContext, EventHandler, EventHandlers } from '@metrox/kit';
import { eventTypes, type EventType } from '@metrox/contracts';
import { announcement } from '../live/event-feed.ts';
import { applyEvent } from '../projections/apply.ts';

/** `origin` names this replica in the feed's notifications. */
export function projectionHandlers(origin: string): EventHandlers {
  const handle = async (_data: unknown, ctx: EventContext): Promise<void> => {
    await applyEvent(ctx.tx, ctx.event, announcement(ctx.event.id, origin));
  };
  const handlers: Partial<Record<EventType, EventHandler<EventType>>> = {};
  for (const type of eventTypes) handlers[type] = handle;
  return handlers;
}
