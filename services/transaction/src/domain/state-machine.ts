// The life of a purchase: PENDING until payment answers, then CONFIRMED or FAILED for good.
// Pure: the consumer asks what a payment outcome means for a transaction in its current state.

export const transactionStatuses = ['PENDING', 'CONFIRMED', 'FAILED'] as const;
export type TransactionStatus = (typeof transactionStatuses)[number];

export type PaymentOutcome = { status: 'CONFIRMED' } | { status: 'FAILED'; reason: string };

export type Decision =
  /** Move to the outcome's status. */
  | { kind: 'move'; to: 'CONFIRMED' | 'FAILED'; reason?: string }
  /** The outcome was applied before (a redelivery or a replay): nothing to do. */
  | { kind: 'duplicate' }
  /** The outcome contradicts the final state: a bug or a double charge, for a human to look at. */
  | { kind: 'illegal'; message: string };

export function decide(current: TransactionStatus, outcome: PaymentOutcome): Decision {
  if (current === 'PENDING') {
    return outcome.status === 'FAILED' ? { kind: 'move', to: 'FAILED', reason: outcome.reason } : { kind: 'move', to: 'CONFIRMED' };
  }
  if (current === outcome.status) return { kind: 'duplicate' };
  return { kind: 'illegal', message: `a ${current} transaction cannot become ${outcome.status}` };
}
