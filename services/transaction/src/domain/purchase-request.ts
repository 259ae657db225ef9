// The body of POST /v1/transactions and its fingerprint. The fingerprint is what an
// Idempotency-Key is bound to: the same key with another body is a client bug (422).
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

/** Idempotency keys are opaque to us but bounded, printable and non-empty. */
export function checkIdempotencyKey(value: string | string[] | undefined): { ok: true; key: string } | { ok: false; message: string } {
  if (value === undefined || value === '') return { ok: false, message: 'the Idempotency-Key header is required on POST' };
  if (Array.isArray(value)) return { ok: false, message: 'send exactly one Idempotency-Key header' };
  if (value.length > 200) return { ok: false, message: 'Idempotency-Key must be at most 200 characters' };
  if (!/^[\x21-\x7e]+$/.test(value)) return { ok: false, message: 'Idempotency-Key must be printable ASCII without spaces' };
  return { ok: true, key: value };
}
