// The end of the purchase saga: a payment outcome moves the transaction to its final
// state and announces TransactionCompleted, in the inbox transaction (so exactly once).
import type { EventContext, EventHandlers } from '@metrox/kit';
import { decide, type PaymentOutcome } from '../domain/state-machine.ts';
import { completeTransaction, findTransaction } from '../store/transactions.ts';

/** A payment outcome that contradicts the transaction's final state: retrying will not help. */
export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function applyOutcome(transactionId: string, outcome: PaymentOutcome, ctx: EventContext<'PaymentConfirmed' | 'PaymentFailed'>): Promise<void> {
  const current = uuid.test(transactionId) ? await findTransaction(ctx.tx, transactionId, { forUpdate: true }) : undefined;
  if (!current) throw new Error(`payment outcome for unknown transaction ${transactionId}`);
  const decision = decide(current.status, outcome);
  if (decision.kind === 'duplicate') {
    ctx.logger.info({ transactionId, status: current.status }, 'payment outcome already applied');
    return;
  }
  if (decision.kind === 'illegal') {
    throw new IllegalTransitionError(`transaction ${transactionId}: ${decision.message}`);
  }
  const completed = await completeTransaction(ctx.tx, transactionId, decision.to, decision.reason);
  await ctx.publish(
    'TransactionCompleted',
    {
      transactionId: completed.id,
      riderId: completed.riderId,
      status: decision.to,
      ...(decision.reason === undefined ? {} : { reason: decision.reason }),
      fromStation: completed.fromStation,
      toStation: completed.toStation,
      fareCents: completed.fareCents,
      currency: completed.currency,
      completedAt: completed.updatedAt,
    },
    { subject: completed.id },
  );
  ctx.logger.info({ transactionId, status: decision.to }, 'transaction completed');
}

export const paymentOutcomeHandlers: EventHandlers = {
  PaymentConfirmed: (data, ctx) => applyOutcome(data.transactionId, { status: 'CONFIRMED' }, ctx),
  PaymentFailed: (data, ctx) => applyOutcome(data.transactionId, { status: 'FAILED', reason: data.reason }, ctx),
};
