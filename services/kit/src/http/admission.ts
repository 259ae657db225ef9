// Admission control: a service given more requests than it can serve answers the excess
// at once with 503 problem+json and Retry-After, instead of queueing it until clients time
// out and letting the latency of everything it accepted grow with the queue. A request is
// turned away when the service already has its limit of requests in flight, when its event
// loop lags (the process is short of CPU), or when too many callers wait for a database
// connection. Probes, scrapes and the API document are never turned away.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { KitMetrics } from '../metrics/registry.ts';
import { HttpProblem, problemContentType, toProblem, type ProblemDetails } from './problem.ts';

export const shedReasons = ['in_flight', 'event_loop_delay', 'pool_wait'] as const;
export type ShedReason = (typeof shedReasons)[number];

/** HTTP_MAX_* settings; a limit of 0 is no limit. */
export interface AdmissionLimits {
  /** Requests admitted at once, across every route but the plumbing. */
  maxInFlight: number;
  /** Mean event-loop delay over the last sampling window above which new requests are shed. */
  maxEventLoopDelayMs: number;
  /** Callers (requests, consumers, the relay) waiting for a pooled connection above which new requests are shed. */
  maxPoolWaiting: number;
  /** What Retry-After tells a shed client. */
  retryAfterSeconds: number;
}

export const noAdmissionLimits: AdmissionLimits = { maxInFlight: 0, maxEventLoopDelayMs: 0, maxPoolWaiting: 0, retryAfterSeconds: 1 };

/** The service's load as a new request arrives. */
export interface LoadSignals {
  /** Requests admitted and not yet answered, the new one not counted. */
  inFlight: number;
  eventLoopDelayMs: number;
  poolWaiting: number;
}

/** Pure: why a new request is turned away, or undefined when it is admitted. */
export function shedReason(limits: AdmissionLimits, load: LoadSignals): ShedReason | undefined {
  if (limits.maxInFlight > 0 && load.inFlight >= limits.maxInFlight) return 'in_flight';
  if (limits.maxEventLoopDelayMs > 0 && load.eventLoopDelayMs > limits.maxEventLoopDelayMs) return 'event_loop_delay';
  if (limits.maxPoolWaiting > 0 && load.poolWaiting > limits.maxPoolWaiting) return 'pool_wait';
  return undefined;
}

const overloadedBecause: Record<ShedReason, string> = {
  in_flight: 'it is already serving as many requests as it takes at once',
  event_loop_delay: 'it is short of CPU and would answer late',
  pool_wait: 'too many callers are waiting for a database connection',
};

/** Pure: the problem a shed request is answered with. */
export function overloadedProblem(reason: ShedReason, retryAfterSeconds: number, instance: string): ProblemDetails {
  const detail = `The service is overloaded: ${overloadedBecause[reason]}. Retry after ${String(retryAfterSeconds)} s.`;
  return toProblem(new HttpProblem(503, 'overloaded', 'Overloaded', detail), instance);
}

/** Resolution of the delay monitor's timer: its samples are this interval plus the delay. */
const resolutionMs = 10;

/**
 * Pure: the event-loop delay of a sampling window from the monitor's histogram. A window
 * without a single sample means the loop never came round to the timer: it lagged the
 * whole window.
 */
export function windowDelayMs(window: { count: number; meanNs: number; elapsedMs: number }): number {
  if (window.count === 0) return Math.max(0, window.elapsedMs - resolutionMs);
  return Math.max(0, window.meanNs / 1e6 - resolutionMs);
}

/** The mean delay over the last completed window, read and reset lazily (no timer of its own). */
function eventLoopDelaySampler(windowMs: number) {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  let windowStart = performance.now();
  let delayMs = 0;
  return {
    start() {
      histogram.reset();
      histogram.enable();
      windowStart = performance.now();
    },
    stop() {
      histogram.disable();
    },
    delayMs(): number {
      const now = performance.now();
      if (now - windowStart >= windowMs) {
        delayMs = windowDelayMs({ count: histogram.count, meanNs: histogram.mean, elapsedMs: now - windowStart });
        histogram.reset();
        windowStart = now;
      }
      return delayMs;
    },
  };
}

/** Short enough to react within a fraction of a second, long enough that one GC pause does not shed a window. */
const delayWindowMs = 500;

export interface AdmissionOptions {
  limits: AdmissionLimits;
  metrics: KitMetrics;
  /** Route patterns never shed nor counted (probes, scrapes, the API document). */
  exempt: ReadonlySet<string>;
  /** Callers waiting for a pooled database connection; none when the service has no pool. */
  poolWaiting?: () => number;
}

/** Registers the admission hook; call it before hooks that do per-request work worth skipping. */
export function registerAdmission(app: FastifyInstance, options: AdmissionOptions): { inFlight: () => number } {
  const { limits, metrics, exempt } = options;
  const poolWaiting = options.poolWaiting ?? (() => 0);
  const loop = eventLoopDelaySampler(delayWindowMs);
  let inFlight = 0;
  // Measured from the moment the server is ready: start-up's module loading and migrations
  // block the loop, and that lag says nothing about the requests to come.
  if (limits.maxEventLoopDelayMs > 0) {
    app.addHook('onReady', (done) => {
      loop.start();
      done();
    });
    app.addHook('onClose', (_instance, done) => {
      loop.stop();
      done();
    });
  }

  app.addHook('onRequest', async (request, reply) => {
    if (exempt.has(request.routeOptions.url ?? '')) return;
    const reason = shedReason(limits, {
      inFlight,
      eventLoopDelayMs: limits.maxEventLoopDelayMs > 0 ? loop.delayMs() : 0,
      poolWaiting: limits.maxPoolWaiting > 0 ? poolWaiting() : 0,
    });
    if (reason !== undefined) {
      metrics.httpRequestsShed.inc({ reason });
      return reply
        .code(503)
        .header('retry-after', String(limits.retryAfterSeconds))
        .type(problemContentType)
        .send(overloadedProblem(reason, limits.retryAfterSeconds, request.url));
    }
    inFlight++;
    // 'close' comes once whether the response finished or the client went away; a handler
    // still running for a client that left is no longer counted.
    reply.raw.once('close', () => {
      inFlight--;
    });
  });
  return { inFlight: () => inFlight };
}
