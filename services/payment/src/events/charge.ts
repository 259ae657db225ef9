// TransactionCreated → one charge → PaymentConfirmed or PaymentFailed.
// At most once per transaction, by two guards: the inbox (same event id) and the unique
// constraint on payments.transaction_id (same purchase announced twice, any replica).
// The provider is asked before the inbox transaction opens (a prepared handler), so
// hundreds of charges can wait on it without holding connections. It is asked with the
// transaction id as idempotency key, so a charge repeated by a redelivery or a second
// announcement is answered, not repeated, by the provider.
// The instrument is encrypted through the cipher helper before anything is charged: with
// the helper down the handler throws before the provider is asked, and the inbox retries.
import type { EventData } from '@metrox/contracts';
import { RetryableError, type EventContext, type EventHandler, type Handlers } from '@metrox/kit';
import type { paymentDeclaration } from '../declaration.ts';
import { CipherError, type CipherClient } from '@metrox/kit/cipher';
import type { Histogram } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { GatewayUnavailableError, type ChargeResult, type PaymentGateway } from '../gateway/gateway.ts';
import { instrumentReference } from '../instrument/instrument.ts';
import { findByTransaction, insertPayment } from '../store/payments.ts';

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
  /** Encrypts the instrument before it is stored. */
  cipher: CipherClient;
  gatewayDuration: Histogram<'method' | 'outcome'>;
  /** Delivery attempt on which a provider error becomes a FAILED payment. */
  giveUpAfterAttempts: number;
}

export function chargeHandlers({ gateway, cipher, gatewayDuration, giveUpAfterAttempts }: ChargeOptions): Handlers<typeof paymentDeclaration> {
  return {
    TransactionCreated: {
      // The provider's answer takes hundreds of milliseconds: it is awaited before the inbox
      // transaction opens, so no connection or lock is held meanwhile. Asking twice is safe,
      // the transaction id is the provider's idempotency key.
      async prepare(data, ctx) {
        if (await findByTransaction(ctx.pool, data.transactionId)) return alreadyCharged;
        const paymentId = randomUUID();
        const instrument = instrumentReference(data.paymentMethod, data.riderId);
        // Bound to the payment id: the ciphertext decrypts on this payment's row only. A
        // cipher error throws here, before the provider is asked, and the inbox retries.
        const instrumentCiphertext = await encryptOrRetry(cipher, instrument, paymentId);
        // A provider error throws: the inbox retries with backoff (and the same idempotency key)
        // until the last attempt, which records the purchase as FAILED.
        let result: ChargeResult;
        try {
          result = await timed(gatewayDuration, data.paymentMethod, () =>
            gateway.charge({ idempotencyKey: data.transactionId, method: data.paymentMethod, amountCents: data.fareCents, currency: data.currency, instrument }),
          );
        } catch (error) {
          if (!(error instanceof GatewayUnavailableError) || !givesUp(ctx.attempt, giveUpAfterAttempts)) throw error;
          ctx.logger.error({ err: error, transactionId: data.transactionId, attempt: ctx.attempt }, 'payment provider unavailable; failing the payment');
          result = { outcome: 'declined', reason: providerUnavailableReason };
        }
        return (_data, txCtx) => recordCharge(data, { paymentId, instrumentCiphertext, result }, txCtx);
      },
    },
  };
}

const alreadyCharged: EventHandler<'TransactionCreated'> = (data, ctx) => {
  ctx.logger.info({ transactionId: data.transactionId }, 'transaction already charged; not charging again');
  return Promise.resolve();
};

/** Records the provider's answer and announces it, unless another delivery recorded one first. */
async function recordCharge(
  data: EventData<'TransactionCreated'>,
  charge: { paymentId: string; instrumentCiphertext: string; result: ChargeResult },
  ctx: EventContext<'TransactionCreated'>,
): Promise<void> {
  const { result } = charge;
  const payment = await insertPayment(ctx.tx, {
    id: charge.paymentId,
    transactionId: data.transactionId,
    method: data.paymentMethod,
    amountCents: data.fareCents,
    currency: data.currency,
    status: result.outcome === 'approved' ? 'CONFIRMED' : 'FAILED',
    failureReason: result.outcome === 'declined' ? result.reason : null,
    gatewayReference: result.outcome === 'approved' ? result.reference : null,
    instrumentCiphertext: charge.instrumentCiphertext,
  });
  if (!payment) {
    ctx.logger.info({ transactionId: data.transactionId }, 'transaction already charged; not charging again');
    return;
  }
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
}

/**
 * Pure: whether a cipher failure is the helper being away (down, restarting, overloaded)
 * rather than a request it will never accept. Only a data error may end in the dead-letter queue.
 */
export function helperAway(error: CipherError): boolean {
  return error.retryable || error.code === 'deadline_exceeded';
}

/**
 * The helper being away must neither lose nor fail the purchase: a RetryableError makes the
 * inbox retry with backoff past its attempt limit, and nothing was charged yet.
 */
async function encryptOrRetry(cipher: CipherClient, instrument: string, paymentId: string): Promise<string> {
  try {
    return await cipher.encrypt(instrument, { context: paymentId });
  } catch (error) {
    if (error instanceof CipherError && helperAway(error)) {
      throw new RetryableError(`cipher helper unavailable (${error.code}): ${error.message}`, { cause: error });
    }
    throw error;
  }
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
