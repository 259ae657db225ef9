// PaymentService over gRPC: read a payment, refund a confirmed one (idempotent per key).
import { loadPaymentProto, type PaymentServiceHandlers } from '@metrox/contracts';
import type { GrpcServer, Kit } from '@metrox/kit';
import { status, type ServiceError } from '@grpc/grpc-js';
import { CipherError, type CipherClient } from '@metrox/kit/cipher';
import { randomUUID } from 'node:crypto';
import { GatewayRejectedError, type PaymentGateway } from '../gateway/gateway.ts';
import { chargeDetails, findByTransaction, findPayment, findRefundByKey, recordRefund, type Payment } from '../store/payments.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class GrpcFailure extends Error {
  readonly code: status;
  constructor(code: status, details: string) {
    super(details);
    this.code = code;
  }
}

function toMessage(payment: Payment) {
  return { ...payment, failureReason: payment.failureReason ?? '' };
}

/** Runs `work` and answers the callback, mapping failures to gRPC status codes. */
function answer<T>(kit: Kit, method: string, work: () => Promise<T>, callback: (error: Partial<ServiceError> | null, value?: T) => void): void {
  work().then(
    (value) => {
      callback(null, value);
    },
    (error: unknown) => {
      if (error instanceof GrpcFailure) {
        callback({ code: error.code, details: error.message, message: error.message });
        return;
      }
      if (error instanceof CipherError && !error.retryable && error.code !== 'deadline_exceeded') {
        // A stored ciphertext the helper will not open (tampered, or its key removed): retrying does not help.
        kit.logger.error({ err: error, method }, 'stored instrument could not be decrypted');
        callback({ code: status.INTERNAL, details: `the stored payment instrument could not be decrypted (${error.code})` });
        return;
      }
      if (error instanceof GatewayRejectedError) {
        callback({ code: status.FAILED_PRECONDITION, details: `the payment provider refused the refund: ${error.message}` });
        return;
      }
      kit.logger.error({ err: error, method }, 'gRPC handler failed');
      callback({ code: status.UNAVAILABLE, details: 'payment store, cipher helper or gateway unavailable; retry later' });
    },
  );
}

export function paymentGrpc(gateway: PaymentGateway, cipher: CipherClient) {
  return (server: GrpcServer, kit: Kit): void => {
    const handlers: PaymentServiceHandlers = {
      GetPayment(call, callback) {
        answer(
          kit,
          'GetPayment',
          async () => {
            const request = call.request;
            let payment: Payment | undefined;
            if (request.by === 'paymentId' && request.paymentId) {
              if (!uuid.test(request.paymentId)) throw new GrpcFailure(status.INVALID_ARGUMENT, 'payment_id must be a UUID');
              payment = await findPayment(kit.pool, request.paymentId);
            } else if (request.by === 'transactionId' && request.transactionId) {
              payment = await findByTransaction(kit.pool, request.transactionId);
            } else {
              throw new GrpcFailure(status.INVALID_ARGUMENT, 'set payment_id or transaction_id');
            }
            if (!payment) throw new GrpcFailure(status.NOT_FOUND, 'no such payment');
            return toMessage(payment);
          },
          callback,
        );
      },
      Refund(call, callback) {
        answer(
          kit,
          'Refund',
          async () => {
            const { paymentId, reason, idempotencyKey } = call.request;
            if (!uuid.test(paymentId)) throw new GrpcFailure(status.INVALID_ARGUMENT, 'payment_id must be a UUID');
            if (idempotencyKey === '' || idempotencyKey.length > 200) {
              throw new GrpcFailure(status.INVALID_ARGUMENT, 'idempotency_key is required (at most 200 characters)');
            }
            if (reason.trim() === '' || reason.length > 500) throw new GrpcFailure(status.INVALID_ARGUMENT, 'reason is required (at most 500 characters)');
            return kit.withTransaction(async (tx) => {
              const payment = await findPayment(tx, paymentId, { forUpdate: true });
              if (!payment) throw new GrpcFailure(status.NOT_FOUND, `no payment ${paymentId}`);
              const previous = await findRefundByKey(tx, idempotencyKey);
              if (previous) {
                if (previous.paymentId !== paymentId) {
                  throw new GrpcFailure(status.ALREADY_EXISTS, 'idempotency_key was used to refund another payment');
                }
                return { payment: toMessage(payment), refundId: previous.id };
              }
              if (payment.status === 'REFUNDED') throw new GrpcFailure(status.FAILED_PRECONDITION, 'payment is already refunded');
              if (payment.status !== 'CONFIRMED') throw new GrpcFailure(status.FAILED_PRECONDITION, 'only a CONFIRMED payment can be refunded');
              const charge = await chargeDetails(tx, paymentId);
              // The instrument exists in plain only for this call to the provider.
              const instrument = charge.instrumentCiphertext === null ? null : await cipher.decrypt(charge.instrumentCiphertext, { context: paymentId });
              const refunded = await gateway.refund({
                idempotencyKey,
                chargeReference: charge.gatewayReference ?? '',
                amountCents: payment.amountCents,
                instrument,
              });
              const refundId = randomUUID();
              const updated = await recordRefund(tx, {
                id: refundId,
                paymentId,
                idempotencyKey,
                reason,
                amountCents: payment.amountCents,
                gatewayReference: refunded.reference,
              });
              kit.logger.info({ paymentId, refundId }, 'payment refunded');
              return { payment: toMessage(updated), refundId };
            });
          },
          callback,
        );
      },
    };
    server.addService(loadPaymentProto().metrox.payment.v1.PaymentService.service, handlers);
  };
}
