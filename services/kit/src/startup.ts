// Start-up beside dependencies that are still starting: in a cluster, a service's Pod
// often runs before Postgres or the broker answers. Waiting (with a log line a person
// can read) beats crashing into the kubelet's ever longer restart back-off.
import type { Logger } from 'pino';
import { reconnectDelayMs } from './messaging/broker.ts';

export interface WaitOptions {
  /** Give up after this long: the error then stops the service, as before. */
  timeoutMs: number;
  logger: Logger;
  /** Milliseconds before attempt n+1 (n from 1). */
  delayMs?: (attempt: number) => number;
  /** Resolves after `ms`; the tests make time pass without waiting. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Runs `attempt` until it succeeds, retrying with backoff until `timeoutMs` has passed. */
export async function untilAvailable<T>(what: string, attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const { timeoutMs, logger, delayMs = reconnectDelayMs, now = Date.now } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + timeoutMs;
  for (let n = 1; ; n++) {
    try {
      const result = await attempt();
      if (n > 1) logger.info({ dependency: what, attempts: n }, `${what} is available`);
      return result;
    } catch (error) {
      const delay = delayMs(n);
      if (now() + delay > deadline) {
        logger.error({ err: error, dependency: what, attempts: n }, `${what} is still unavailable after ${String(timeoutMs)} ms: giving up`);
        throw error;
      }
      logger.warn({ err: error, dependency: what, attempt: n, retryInMs: delay }, `waiting for ${what}`);
      await sleep(delay);
    }
  }
}
