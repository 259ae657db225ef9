// How the built-in providers honour an idempotency key: the key is reserved in the delivery
// ledger before the message leaves, and completed with the provider's receipt after. A
// repeated key never sends again: it answers the first receipt, waits while the first send
// may still be running, and after that is in doubt. Sending twice is what this prevents; the
// price is that a send which died half-way is reported, not repeated.
import type { DeliveryLedger, EarlierDelivery } from '../store/deliveries.ts';

export interface Receipt {
  providerMessageId: string;
}

/** A transport failed before the message left (refused connection, a server's refusal): the key may be used again. */
export class NotDeliveredError extends Error {
  override name = 'NotDeliveredError';
}

/** A send with this key began and never reported back: it may have reached the rider, so it is not repeated. Retrying cannot help. */
export class DeliveryInDoubtError extends Error {
  override name = 'DeliveryInDoubtError';
}

/**
 * After this long a send that never reported back is taken as dead, not as still running.
 * Well above the longest a built-in provider's send can take (the SMTP provider's timeouts).
 */
export const inDoubtAfterMs = 10 * 60_000;

export type EarlierOutcome = { kind: 'delivered'; providerMessageId: string } | { kind: 'in-flight' } | { kind: 'in-doubt' };

/** Pure: what an earlier send under the same key means for this one. */
export function judgeEarlier(earlier: EarlierDelivery | undefined, doubtAfterMs = inDoubtAfterMs): EarlierOutcome {
  // Released between our reservation attempt and the look: nothing was sent, the next try may send.
  if (earlier === undefined) return { kind: 'in-flight' };
  if (earlier.providerMessageId !== null) return { kind: 'delivered', providerMessageId: earlier.providerMessageId };
  return earlier.ageMs < doubtAfterMs ? { kind: 'in-flight' } : { kind: 'in-doubt' };
}

/** Sends with `deliver` at most once per key: a known key answers from the ledger instead. */
export async function deliverOnce(ledger: DeliveryLedger, channel: string, key: string, deliver: () => Promise<Receipt>): Promise<Receipt> {
  const reservation = await ledger.reserve(key, channel);
  if (!reservation.reserved) {
    const earlier = judgeEarlier(reservation.earlier);
    if (earlier.kind === 'delivered') return { providerMessageId: earlier.providerMessageId };
    if (earlier.kind === 'in-flight') throw new Error(`a send with idempotency key ${key} is still under way`);
    throw new DeliveryInDoubtError(`a send with idempotency key ${key} began and never reported back: it may have been delivered, so it is not repeated`);
  }
  let receipt: Receipt;
  try {
    receipt = await deliver();
  } catch (error) {
    if (error instanceof NotDeliveredError) await ledger.release(key);
    throw error;
  }
  // The message is out: a failure to note it (the database just went away) must not make the
  // caller think it was not. Should the key come again, the unfinished entry keeps it from
  // being sent twice.
  await ledger.accepted(key, receipt.providerMessageId).catch(() => undefined);
  return receipt;
}
