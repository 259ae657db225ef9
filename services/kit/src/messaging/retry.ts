// Pure: how a failed delivery is settled. Exponential backoff, then the dead-letter queue.
import { backoffDelay, type RetryPolicy as RetryDelays } from '@metrox/contracts/broker-topology';
import type { Settlement } from './broker.ts';

export { backoffDelay };

export interface RetryPolicy extends RetryDelays {
  maxAttempts: number;
}

/**
 * Throw from a handler when the failure is someone else's outage (a peer service is down,
 * a gateway times out): the event is retried with backoff for as long as it takes and
 * never dead-lettered. Anything else counts towards CONSUMER_MAX_ATTEMPTS.
 */
export class RetryableError extends Error {
  override name = 'RetryableError';
}

export function settleFailure(attempt: number, reason: string, policy: RetryPolicy, retryable = false): Settlement {
  if (!retryable && attempt >= policy.maxAttempts) {
    return { kind: 'dead-letter', reason: `gave up after ${attempt} attempts: ${reason}` };
  }
  return { kind: 'retry', delayMs: backoffDelay(attempt, policy), reason };
}
