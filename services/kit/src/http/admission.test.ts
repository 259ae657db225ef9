import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '@metrox/telemetry';
import { createMetrics, type KitMetrics } from '../metrics/registry.ts';
import { noAdmissionLimits, overloadedProblem, shedReason, windowDelayMs, type AdmissionLimits, type LoadSignals } from './admission.ts';
import { createHttpServer } from './server.ts';

const limits: AdmissionLimits = { maxInFlight: 4, maxEventLoopDelayMs: 200, maxPoolWaiting: 24, retryAfterSeconds: 1 };
const idle: LoadSignals = { inFlight: 0, eventLoopDelayMs: 0, poolWaiting: 0 };

describe('the admission decision', () => {
  it('admits a request while every signal is within its limit, up to each limit itself', () => {
    expect(shedReason(limits, idle)).toBeUndefined();
    expect(shedReason(limits, { inFlight: 3, eventLoopDelayMs: 200, poolWaiting: 24 })).toBeUndefined();
  });

  it('sheds a request that would exceed the in-flight limit', () => {
    expect(shedReason(limits, { ...idle, inFlight: 4 })).toBe('in_flight');
  });

  it('sheds a request while the event loop lags more than its limit', () => {
    expect(shedReason(limits, { ...idle, eventLoopDelayMs: 201 })).toBe('event_loop_delay');
  });

  it('sheds a request while more callers wait for a database connection than the limit', () => {
    expect(shedReason(limits, { ...idle, poolWaiting: 25 })).toBe('pool_wait');
  });

  it('names the in-flight limit first when several signals are over', () => {
    expect(shedReason(limits, { inFlight: 9, eventLoopDelayMs: 900, poolWaiting: 90 })).toBe('in_flight');
    expect(shedReason(limits, { inFlight: 0, eventLoopDelayMs: 900, poolWaiting: 90 })).toBe('event_loop_delay');
  });

  it('treats a limit of 0 as no limit', () => {
    expect(shedReason(noAdmissionLimits, { inFlight: 10_000, eventLoopDelayMs: 10_000, poolWaiting: 10_000 })).toBeUndefined();
  });
});

describe('the event-loop delay of a sampling window', () => {
  it('is the mean timer interval less the timer resolution (10 ms), never below 0', () => {
    expect(windowDelayMs({ count: 50, meanNs: 35e6, elapsedMs: 500 })).toBe(25);
    expect(windowDelayMs({ count: 50, meanNs: 9.8e6, elapsedMs: 500 })).toBe(0);
  });

  it('is the whole window when the timer never ran in it', () => {
    expect(windowDelayMs({ count: 0, meanNs: Number.NaN, elapsedMs: 700 })).toBe(690);
  });
});

describe('the overloaded problem', () => {
  it('is a 503 of type overloaded that says why and when to retry', () => {
    const problem = overloadedProblem('pool_wait', 2, '/v1/things');
    expect(problem).toMatchObject({ type: 'https://metrox.dev/problems/overloaded', title: 'Overloaded', status: 503, instance: '/v1/things' });
    expect(problem.detail).toMatch(/database connection.*Retry after 2 s/);
  });
});

describe('admission settings', () => {
  it('default to as many requests in flight and pool waiters as the pool has connections, 200 ms of event-loop delay and Retry-After 1 s', () => {
    expect(loadConfig({ name: 'x' }, {}).admission).toEqual({ maxInFlight: 24, maxEventLoopDelayMs: 200, maxPoolWaiting: 24, retryAfterSeconds: 1 });
    expect(loadConfig({ name: 'x' }, { DATABASE_POOL_MAX: '10' }).admission).toMatchObject({ maxInFlight: 10, maxPoolWaiting: 10 });
  });

  it('are read from HTTP_MAX_IN_FLIGHT, HTTP_MAX_EVENT_LOOP_DELAY_MS, HTTP_MAX_POOL_WAITING and HTTP_RETRY_AFTER_SECONDS, 0 turning a limit off', () => {
    const env = { HTTP_MAX_IN_FLIGHT: '0', HTTP_MAX_EVENT_LOOP_DELAY_MS: '50', HTTP_MAX_POOL_WAITING: '0', HTTP_RETRY_AFTER_SECONDS: '3' };
    expect(loadConfig({ name: 'x' }, env).admission).toEqual({ maxInFlight: 0, maxEventLoopDelayMs: 50, maxPoolWaiting: 0, retryAfterSeconds: 3 });
  });

  it('refuse a negative limit and a Retry-After of 0', () => {
    expect(() => loadConfig({ name: 'x' }, { HTTP_MAX_IN_FLIGHT: '-1', HTTP_RETRY_AFTER_SECONDS: '0' })).toThrow(/HTTP_MAX_IN_FLIGHT.*HTTP_RETRY_AFTER_SECONDS/);
  });
});

describe('the admission hook', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** A server admitting one request at a time, whose /v1/held requests wait until released. */
  async function serverAdmittingOne(poolWaiting = () => 0, maxEventLoopDelayMs = 0) {
    const metrics = createMetrics({ collectDefaults: false });
    const server = await createHttpServer({
      serviceName: 'admission-test',
      serviceVersion: '1.0.0',
      logger: createLogger({ serviceName: 'admission-test', serviceVersion: '1.0.0', level: 'silent' }),
      metrics,
      readiness: [],
      admission: { maxInFlight: 1, maxEventLoopDelayMs, maxPoolWaiting: 2, retryAfterSeconds: 5 },
      poolWaiting,
    });
    metrics.setActiveRequestsSource(server.inFlight);
    const entered = Promise.withResolvers<undefined>();
    const released = Promise.withResolvers<undefined>();
    server.app.get('/v1/held', async () => {
      entered.resolve(undefined);
      await released.promise;
      return { held: true };
    });
    server.app.get('/v1/quick', { schema: { response: { 200: { type: 'object', properties: { quick: { type: 'boolean' } } } } } }, () => Promise.resolve({ quick: true }));
    await server.app.ready();
    app = server.app;
    return { app: server.app, metrics, inHandler: entered.promise, release: () => { released.resolve(undefined); } };
  }

  const shed = async (metrics: KitMetrics, reason: string) =>
    (await metrics.httpRequestsShed.get()).values.find((value) => value.labels.reason === reason)?.value;

  it('answers a request beyond the in-flight limit at once with 503 problem+json and Retry-After, while the admitted one is still running', async () => {
    const { app, metrics, inHandler, release } = await serverAdmittingOne();
    let heldSettled = false;
    const held = app.inject({ url: '/v1/held' }).finally(() => (heldSettled = true));
    await inHandler;

    const excess = await app.inject({ url: '/v1/quick' });
    expect(heldSettled).toBe(false);
    expect(excess.statusCode).toBe(503);
    expect(excess.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(excess.headers['retry-after']).toBe('5');
    expect(excess.json()).toMatchObject({ type: 'https://metrox.dev/problems/overloaded', status: 503, instance: '/v1/quick' });
    expect(await shed(metrics, 'in_flight')).toBe(1);
    expect(await metrics.registry.getSingleMetricAsString('http_server_active_requests')).toMatch(/^http_server_active_requests 1$/m);

    release();
    expect((await held).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/quick' })).statusCode).toBe(200);
    expect(await metrics.registry.getSingleMetricAsString('http_server_active_requests')).toMatch(/^http_server_active_requests 0$/m);
  });

  it('never sheds nor counts probes, scrapes and the API document', async () => {
    const { app, inHandler, release } = await serverAdmittingOne();
    const held = app.inject({ url: '/v1/held' });
    await inHandler;
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) expect((await app.inject({ url })).statusCode, url).toBe(200);
    release();
    await held;
  });

  it('sheds while more callers wait for a database connection than allowed', async () => {
    let waiting = 3;
    const { app, metrics } = await serverAdmittingOne(() => waiting);
    expect((await app.inject({ url: '/v1/quick' })).statusCode).toBe(503);
    expect(await shed(metrics, 'pool_wait')).toBe(1);
    waiting = 2;
    expect((await app.inject({ url: '/v1/quick' })).statusCode).toBe(200);
  });

  it('sheds after a sampling window in which the event loop lagged more than allowed', async () => {
    const { app, metrics } = await serverAdmittingOne(() => 0, 1);
    const blockedUntil = performance.now() + 600;
    while (performance.now() < blockedUntil); // longer than the 500 ms window
    // One turn of the loop, so the delay monitor's timer records the lag.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await app.inject({ url: '/v1/quick' })).statusCode).toBe(503);
    expect(await shed(metrics, 'event_loop_delay')).toBe(1);
  });

  it('exports every shed reason at 0 before anything is shed', async () => {
    const { metrics } = await serverAdmittingOne();
    for (const reason of ['in_flight', 'event_loop_delay', 'pool_wait']) expect(await shed(metrics, reason)).toBe(0);
  });

  it('documents Retry-After on the 503 problem of every route', async () => {
    const { app } = await serverAdmittingOne();
    const document = (await app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>> }>();
    expect(document.paths['/v1/quick']?.get?.responses['503']?.headers).toEqual({
      'Retry-After': { description: 'Seconds to wait before retrying an overloaded service', schema: { type: 'integer', minimum: 1 } },
    });
  });
});
