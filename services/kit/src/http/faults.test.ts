import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '@metrox/telemetry';
import { createMetrics } from '../metrics/registry.ts';
import { faultApplies, noFaults, parseFaultRoutes, type HttpFaults } from './faults.ts';
import { createHttpServer } from './server.ts';

async function serverWith(faults: HttpFaults) {
  const { app } = await createHttpServer({
    serviceName: 'faulty',
    serviceVersion: '0.0.0',
    logger: createLogger({ serviceName: 'faulty', serviceVersion: '0.0.0', level: 'silent' }),
    metrics: createMetrics({ collectDefaults: false }),
    readiness: [],
    faults,
  });
  app.get('/things', () => Promise.resolve({ ok: true }));
  app.get('/other', () => Promise.resolve({ ok: true }));
  return app;
}

describe('fault knobs', () => {
  it('are off unless FAULT_HTTP_* is set', () => {
    expect(loadConfig({ name: 'x' }, {}).faults).toEqual(noFaults);
    expect(faultApplies(noFaults, 'GET', '/payments/:id')).toBe(false);
  });

  it('FAULT_HTTP_ROUTES names routes by pattern, with or without the method', () => {
    const faults = loadConfig({ name: 'x' }, { FAULT_HTTP_ERROR_RATIO: '0.5', FAULT_HTTP_ROUTES: 'POST  /purchases, /payments/:id' }).faults;
    expect(faults).toEqual({ errorRatio: 0.5, latencyMs: 0, routes: ['POST /purchases', '/payments/:id'] });
    expect(faultApplies(faults, 'POST', '/purchases')).toBe(true);
    expect(faultApplies(faults, 'GET', '/purchases')).toBe(false);
    expect(faultApplies(faults, 'GET', '/payments/:id')).toBe(true);
  });

  it('with no routes named, every route is affected', () => {
    expect(faultApplies({ errorRatio: 0, latencyMs: 200, routes: [] }, 'GET', '/anything')).toBe(true);
  });

  it('a ratio outside 0..1 or a negative latency stops start-up naming the variable', () => {
    expect(() => loadConfig({ name: 'x' }, { FAULT_HTTP_ERROR_RATIO: '2' })).toThrow(/FAULT_HTTP_ERROR_RATIO/);
    expect(() => loadConfig({ name: 'x' }, { FAULT_HTTP_LATENCY_MS: '-1' })).toThrow(/FAULT_HTTP_LATENCY_MS/);
    expect(parseFaultRoutes(' , ')).toEqual([]);
  });
});

describe('the fault hook', () => {
  it('answers every request of a chosen route 500 problem+json at ratio 1, leaving other routes and the probes alone', async () => {
    const app = await serverWith({ errorRatio: 1, latencyMs: 0, routes: ['GET /things'] });
    const faulty = await app.inject({ method: 'GET', url: '/things' });
    expect(faulty.statusCode).toBe(500);
    expect(faulty.headers['content-type']).toContain('application/problem+json');
    expect(faulty.json()).toMatchObject({ type: 'https://metrox.dev/problems/injected-fault', status: 500 });
    expect((await app.inject({ method: 'GET', url: '/other' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await app.close();
  });

  it('adds the configured latency before the handler runs', async () => {
    const app = await serverWith({ errorRatio: 0, latencyMs: 150, routes: [] });
    const started = performance.now();
    expect((await app.inject({ method: 'GET', url: '/things' })).statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    await app.close();
  });
});
