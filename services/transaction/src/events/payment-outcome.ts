// The end of the purchase saga: a payment outcome moves the transaction to its final
// state and announces TransactionCompleted, in the inbox transaction (so exactly once).
import { PermanentFailure, type EventContext, type Handlers } from '@metrox/kit';
import type { transactionDeclaration } from '../declaration.ts';
import { decide, type PaymentOutcome } from '../domain/state-machine.ts';
import { completeIfPending, findTransaction } from '../store/transactions.ts';

/** A payment outcome that contradicts the transaction's final state: retrying will not help, a human must look. */
export class IllegalTransitionError extends PermanentFailure {
  override name = 'IllegalTransitionError';
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function applyOutcome(transactionId: string, outcome: PaymentOutcome, ctx: EventContext<'PaymentConfirmed' | 'PaymentFailed'>): Promise<void> {
  if (!uuid.test(transactionId)) throw new PermanentFailure(`payment outcome for a transaction id that is no UUID: ${transactionId}`);
  // The usual case in one statement: a PENDING transaction takes the outcome. The UPDATE
  // locks the row, so a concurrent outcome waits, then finds it no longer PENDING.
  const decision = decide('PENDING', outcome);
  if (decision.kind !== 'move') throw new Error(`a payment outcome must move a PENDING transaction, not ${decision.kind}`);
  const result = await completeIfPending(ctx.tx, transactionId, decision.to, decision.reason);
  if (!result) {
    const current = await findTransaction(ctx.tx, transactionId);
    if (!current) throw new Error(`payment outcome for unknown transaction ${transactionId}`);
    const late = decide(current.status, outcome);
    if (late.kind === 'illegal') throw new IllegalTransitionError(`transaction ${transactionId}: ${late.message}`);
    if (late.kind === 'move') throw new Error(`transaction ${transactionId} changed while its outcome was applied; retrying`);
    ctx.logger.info({ transactionId, status: current.status }, 'payment outcome already applied');
    return;
  }
  const { transaction: completed, riderContact } = result;
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
      riderContact,
    },
    { subject: completed.id },
  );
  ctx.logger.info({ transactionId, status: decision.to }, 'transaction completed');
}

export const paymentOutcomeHandlers: Handlers<typeof transactionDeclaration> = {
  PaymentConfirmed: (data, ctx) => applyOutcome(data.transactionId, { status: 'CONFIRMED' }, ctx),
  PaymentFailed: (data, ctx) => applyOutcome(data.transactionId, { status: 'FAILED', reason: data.reason }, ctx),
};
