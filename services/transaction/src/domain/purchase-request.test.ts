import { describe, expect, it } from 'vitest';
import { fingerprint } from './purchase-request.ts';

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
});
