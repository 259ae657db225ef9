// Fault knobs for people and tests watching the platform fail on purpose: added
// latency and a share of failed requests, on every route or on the chosen ones.
// Set from the environment (FAULT_HTTP_*), so on Kubernetes a MetroXService's
// spec.env turns them on and off with a rollout. Probes, scrapes and the API
// document are never affected.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problem.ts';

export interface HttpFaults {
  /** Share of matching requests answered 500, 0..1. */
  errorRatio: number;
  /** Added to every matching request before its handler runs. */
  latencyMs: number;
  /** "METHOD /route" or "/route" (the route's pattern, e.g. POST /purchases); empty: every route. */
  routes: readonly string[];
}

export const noFaults: HttpFaults = { errorRatio: 0, latencyMs: 0, routes: [] };

/** Pure: FAULT_HTTP_ROUTES ("POST /purchases, /payments/:id") as a list. */
export function parseFaultRoutes(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim().replace(/\s+/, ' '))
    .filter((entry) => entry !== '');
}

/** Pure: whether the knobs apply to a request of this method on this route pattern. */
export function faultApplies(faults: HttpFaults, method: string, route: string): boolean {
  if (faults.errorRatio === 0 && faults.latencyMs === 0) return false;
  if (faults.routes.length === 0) return true;
  return faults.routes.some((entry) => entry === route || entry === `${method} ${route}`);
}

export function registerFaults(app: FastifyInstance, faults: HttpFaults, exempt: ReadonlySet<string>, random: () => number = Math.random): void {
  if (faults.errorRatio === 0 && faults.latencyMs === 0) return;
  app.log.warn({ faults }, 'fault injection is on: FAULT_HTTP_* slows or fails requests on purpose');
  app.addHook('preHandler', async (request) => {
    const route = request.routeOptions.url ?? '';
    if (exempt.has(route) || !faultApplies(faults, request.method, route)) return;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (random() < faults.errorRatio) {
      throw new HttpProblem(500, 'injected-fault', 'Injected fault', 'FAULT_HTTP_ERROR_RATIO failed this request on purpose');
    }
  });
}
