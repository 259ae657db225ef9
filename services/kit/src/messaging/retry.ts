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

/**
 * Throw from a handler when the event can never be applied (it contradicts what the service
 * knows, it names something that does not exist): the event goes to the dead-letter queue at
 * once, with this message as its reason, instead of being retried to CONSUMER_MAX_ATTEMPTS.
 */
export class PermanentFailure extends Error {
  override name = 'PermanentFailure';
}

/** How a handler's failure counts: someone else's outage, a bug that may pass, or never going to work. */
export type FailureKind = 'transient' | 'counted' | 'permanent';

export function settleFailure(attempt: number, reason: string, policy: RetryPolicy, kind: FailureKind = 'counted'): Settlement {
  if (kind === 'permanent') return { kind: 'dead-letter', reason: `permanent failure: ${reason}` };
  if (kind === 'counted' && attempt >= policy.maxAttempts) {
    return { kind: 'dead-letter', reason: `gave up after ${attempt} attempts: ${reason}` };
  }
  return { kind: 'retry', delayMs: backoffDelay(attempt, policy), reason };
}
