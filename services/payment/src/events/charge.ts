// TransactionCreated → one charge → PaymentConfirmed or PaymentFailed.
// At most once per transaction, by three guards: the inbox (same event id), a lock and
// look-up per transaction (same purchase announced twice), and the unique constraint on
// payments.transaction_id. The gateway is asked with the transaction id as idempotency key,
// so a charge retried after a crash before COMMIT is answered, not repeated, by the provider.
import type { EventHandlers } from '@metrox/kit';
import type { Histogram } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { GatewayUnavailableError, type ChargeResult, type PaymentGateway } from '../gateway/gateway.ts';
import { findByTransaction, insertPayment, lockTransaction } from '../store/payments.ts';

/** What a rider reads when the provider never answered: the purchase fails instead of staying PENDING. */
export const providerUnavailableReason = 'the payment provider did not answer; you have not been charged';

/**
 * Pure: whether a charge that failed with a provider error on this delivery attempt should
 * end the purchase as FAILED rather than be retried again. Giving up one attempt before the
 * inbox would dead-letter keeps the saga from leaving a purchase PENDING forever.
 */
export function givesUp(attempt: number, giveUpAfterAttempts: number): boolean {
  return attempt >= giveUpAfterAttempts;
}

export interface ChargeOptions {
  gateway: PaymentGateway;
  gatewayDuration: Histogram<'method' | 'outcome'>;
  /** Delivery attempt on which a provider error becomes a FAILED payment. */
  giveUpAfterAttempts: number;
}

export function chargeHandlers({ gateway, gatewayDuration, giveUpAfterAttempts }: ChargeOptions): EventHandlers {
  return {
    async TransactionCreated(data, ctx) {
      await lockTransaction(ctx.tx, data.transactionId);
      const existing = await findByTransaction(ctx.tx, data.transactionId);
      if (existing) {
        ctx.logger.info({ transactionId: data.transactionId, paymentId: existing.id }, 'transaction already charged; not charging again');
        return;
      }
      // A provider error throws: the inbox retries with backoff (and the same idempotency key)
      // until the last attempt, which records the purchase as FAILED.
      let result: ChargeResult;
      try {
        result = await timed(gatewayDuration, data.paymentMethod, () =>
          gateway.charge({ idempotencyKey: data.transactionId, method: data.paymentMethod, amountCents: data.fareCents, currency: data.currency }),
        );
      } catch (error) {
        if (!(error instanceof GatewayUnavailableError) || !givesUp(ctx.attempt, giveUpAfterAttempts)) throw error;
        ctx.logger.error({ err: error, transactionId: data.transactionId, attempt: ctx.attempt }, 'payment provider unavailable; failing the payment');
        result = { outcome: 'declined', reason: providerUnavailableReason };
      }
      const payment = await insertPayment(ctx.tx, {
        id: randomUUID(),
        transactionId: data.transactionId,
        method: data.paymentMethod,
        amountCents: data.fareCents,
        currency: data.currency,
        status: result.outcome === 'approved' ? 'CONFIRMED' : 'FAILED',
        failureReason: result.outcome === 'declined' ? result.reason : null,
        gatewayReference: result.outcome === 'approved' ? result.reference : null,
      });
      const common = {
        paymentId: payment.id,
        transactionId: payment.transactionId,
        method: payment.method,
        amountCents: payment.amountCents,
        currency: payment.currency,
      };
      if (result.outcome === 'approved') {
        await ctx.publish('PaymentConfirmed', { ...common, confirmedAt: payment.createdAt }, { subject: payment.transactionId });
      } else {
        await ctx.publish('PaymentFailed', { ...common, reason: result.reason, failedAt: payment.createdAt }, { subject: payment.transactionId });
      }
      ctx.logger.info({ transactionId: payment.transactionId, paymentId: payment.id, status: payment.status }, 'payment answered');
    },
  };
}

async function timed(histogram: Histogram<'method' | 'outcome'>, method: string, charge: () => Promise<ChargeResult>): Promise<ChargeResult> {
  const stop = histogram.startTimer({ method });
  try {
    const result = await charge();
    stop({ outcome: result.outcome });
    return result;
  } catch (error) {
    stop({ outcome: 'error' });
    throw error;
  }
}
