import { describe, expect, it } from 'vitest';
import { canAcquire, decideLease, leadingAfter } from './leader-election.ts';

const now = new Date('2026-01-01T00:00:30Z');
const micro = (iso: string) => iso.replace('Z', '000Z');

describe('decideLease', () => {
  it('creates a missing lease, held by us', () => {
    expect(decideLease(undefined, 'a', now, 15)).toEqual({
      action: 'create',
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: micro('2026-01-01T00:00:30.000Z'), renewTime: micro('2026-01-01T00:00:30.000Z'), leaseTransitions: 0 },
    });
  });

  it('renews our own lease without counting a transition or moving acquireTime', () => {
    const held = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: micro('2026-01-01T00:00:00.000Z'), renewTime: micro('2026-01-01T00:00:28.000Z'), leaseTransitions: 4 };
    const decision = decideLease(held, 'a', now, 15);
    expect(decision).toMatchObject({ action: 'update', transition: false, spec: { holderIdentity: 'a', acquireTime: held.acquireTime, renewTime: micro('2026-01-01T00:00:30.000Z'), leaseTransitions: 4 } });
  });

  it('waits while another holder renews in time', () => {
    const other = { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: micro('2026-01-01T00:00:20.000Z') };
    expect(decideLease(other, 'a', now, 15)).toEqual({ action: 'wait' });
  });

  it('takes over an expired lease, counting a transition', () => {
    const expired = { holderIdentity: 'b', leaseDurationSeconds: 15, acquireTime: micro('2026-01-01T00:00:00.000Z'), renewTime: micro('2026-01-01T00:00:10.000Z'), leaseTransitions: 2 };
    expect(decideLease(expired, 'a', now, 15)).toMatchObject({ action: 'update', transition: true, spec: { holderIdentity: 'a', acquireTime: micro('2026-01-01T00:00:30.000Z'), leaseTransitions: 3 } });
  });

  it('takes over a released lease at once', () => {
    const released = { holderIdentity: null, leaseDurationSeconds: 1, renewTime: null, acquireTime: null, leaseTransitions: 5 };
    expect(decideLease(released, 'a', now, 15)).toMatchObject({ action: 'update', transition: true, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 6 } });
  });
});

describe('canAcquire', () => {
  it('uses the holder\'s lease duration, not ours, to decide expiry', () => {
    const longLease = { holderIdentity: 'b', leaseDurationSeconds: 60, renewTime: micro('2026-01-01T00:00:00.000Z') };
    expect(canAcquire(longLease, 'a', now)).toBe(false);
    expect(canAcquire({ ...longLease, leaseDurationSeconds: 20 }, 'a', now)).toBe(true);
  });
});

describe('leadingAfter', () => {
  const deadline = 10_000;

  it('leads after a round that holds the lease', () => {
    expect(leadingAfter('held', false, undefined, 0, deadline)).toBe(true);
    expect(leadingAfter('held', true, 0, 60_000, deadline)).toBe(true);
  });

  it('keeps leading through failed renewals until the renew deadline', () => {
    expect(leadingAfter('failed', true, 1000, 1000 + 9_999, deadline)).toBe(true);
    expect(leadingAfter('failed', true, 1000, 1000 + 10_000, deadline)).toBe(false);
  });

  it('steps down at once when another replica holds the lease', () => {
    expect(leadingAfter('heldByOther', true, 1000, 1001, deadline)).toBe(false);
  });

  it('does not start leading on a failed round', () => {
    expect(leadingAfter('failed', false, 1000, 1001, deadline)).toBe(false);
  });
});
