// What Payment needs from a payment service provider. Requests carry an idempotency key,
// as real providers' APIs do: asking twice with the same key returns the first answer and
// never moves money twice, which is what makes a retried charge safe.
import type { PaymentMethod } from '@metrox/contracts';

export interface ChargeRequest {
  idempotencyKey: string;
  method: PaymentMethod;
  amountCents: number;
  currency: string;
  /** The UPI address, card token or wallet id to charge. */
  instrument: string;
}

export type ChargeResult =
  | { outcome: 'approved'; reference: string }
  /** `reason` is safe to show to the rider. */
  | { outcome: 'declined'; reason: string };

export interface RefundRequest {
  idempotencyKey: string;
  chargeReference: string;
  amountCents: number;
  /** The instrument to pay back: the one charged (null for payments recorded without one). */
  instrument: string | null;
}

export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<{ reference: string }>;
}

/** The provider could not be reached or answered with an error: the same request may be retried. */
export class GatewayUnavailableError extends Error {
  override name = 'GatewayUnavailableError';
}

/** The provider refused the request for good (e.g. a refund to another instrument): retrying does not help. */
export class GatewayRejectedError extends Error {
  override name = 'GatewayRejectedError';
}
