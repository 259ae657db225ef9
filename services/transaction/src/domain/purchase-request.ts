// The body of POST /v1/transactions and its fingerprint. The fingerprint is what an
// Idempotency-Key is bound to: the same key with another body is a client bug (422).
// The key itself is checked by the route's header schema (required, printable, bounded).
import { createHash } from 'node:crypto';
import type { PaymentMethod } from '@metrox/contracts';

export interface PurchaseRequest {
  riderId: string;
  fromStation: string;
  toStation: string;
  paymentMethod: PaymentMethod;
}

/** Pure: a stable hash of the fields that define a purchase, independent of key order and whitespace. */
export function fingerprint(request: PurchaseRequest): string {
  const canonical = JSON.stringify([request.riderId, request.fromStation, request.toStation, request.paymentMethod]);
  return createHash('sha256').update(canonical).digest('hex');
}
