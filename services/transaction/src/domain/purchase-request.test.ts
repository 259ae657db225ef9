import { describe, expect, it } from 'vitest';
import { checkIdempotencyKey, fingerprint } from './purchase-request.ts';

const request = { riderId: 'r-1', fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' } as const;

describe('purchase request', () => {
  it('the same purchase has the same fingerprint whatever the key order', () => {
    const reordered = { paymentMethod: 'upi', toStation: 'kaloor', fromStation: 'aluva', riderId: 'r-1' } as const;
    expect(fingerprint(reordered)).toBe(fingerprint(request));
  });

  it('any changed field changes the fingerprint', () => {
    expect(fingerprint({ ...request, toStation: 'edapally' })).not.toBe(fingerprint(request));
    expect(fingerprint({ ...request, paymentMethod: 'card' })).not.toBe(fingerprint(request));
  });

  it('an Idempotency-Key is required, single, bounded and printable', () => {
    expect(checkIdempotencyKey('7f0c-1')).toEqual({ ok: true, key: '7f0c-1' });
    expect(checkIdempotencyKey(undefined)).toEqual({ ok: false, message: 'the Idempotency-Key header is required on POST' });
    expect(checkIdempotencyKey('')).toMatchObject({ ok: false });
    expect(checkIdempotencyKey(['a', 'b'])).toEqual({ ok: false, message: 'send exactly one Idempotency-Key header' });
    expect(checkIdempotencyKey('x'.repeat(201))).toMatchObject({ ok: false });
    expect(checkIdempotencyKey('has space')).toMatchObject({ ok: false });
  });
});
