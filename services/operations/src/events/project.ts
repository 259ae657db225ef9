// Every domain event feeds the projections; the live feed hears of it after COMMIT.
import type { EventContext, Handlers } from '@metrox/kit';
import { operationsDeclaration } from '../declaration.ts';
import { announcement } from '../live/event-feed.ts';
import { applyEvent } from '../projections/apply.ts';

/** `origin` names this replica in the feed's notifications. */
export function projectionHandlers(origin: string): Handlers<typeof operationsDeclaration> {
  const handle = async (_data: unknown, ctx: EventContext): Promise<void> => {
    await applyEvent(ctx.tx, ctx.event, announcement(ctx.event.id, origin));
  };
  // One handler for every consumed type: built from the declaration's list, which the cast names.
  return Object.fromEntries(operationsDeclaration.events.consumes.map((type) => [type, handle])) as Handlers<typeof operationsDeclaration>;
}
