// Pure: how a failed delivery is settled. Exponential backoff, then the dead-letter queue.
import type { Settlement } from './broker.ts';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

export function settleFailure(attempt: number, reason: string, policy: RetryPolicy): Settlement {
  if (attempt >= policy.maxAttempts) {
    return { kind: 'dead-letter', reason: `gave up after ${attempt} attempts: ${reason}` };
  }
  return { kind: 'retry', delayMs: backoffDelay(attempt, policy), reason };
}
