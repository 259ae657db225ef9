import { describe, expect, it } from 'vitest';
import { backoffDelay, settleFailure } from './retry.ts';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 500 };

describe('retry policy', () => {
  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy))).toEqual([100, 200, 400, 500, 500]);
  });

  it('dead-letters with the reason after the last attempt', () => {
    expect(settleFailure(3, 'boom', policy)).toEqual({ kind: 'retry', delayMs: 400, reason: 'boom' });
    expect(settleFailure(4, 'boom', policy)).toEqual({ kind: 'dead-letter', reason: 'gave up after 4 attempts: boom' });
  });

  it('keeps retrying a retryable failure (a peer is down) past the attempt limit, at the capped delay', () => {
    expect(settleFailure(40, 'transaction service unavailable', policy, 'transient')).toEqual({ kind: 'retry', delayMs: 500, reason: 'transaction service unavailable' });
  });

  it('dead-letters a permanent failure on its first attempt, with the reason', () => {
    expect(settleFailure(1, 'transaction t-1 does not exist', policy, 'permanent')).toEqual({ kind: 'dead-letter', reason: 'permanent failure: transaction t-1 does not exist' });
  });
});
