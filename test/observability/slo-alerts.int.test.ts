// SLOs on the real local stack: the rules the operator renders for a service, loaded
// into the local Prometheus; the service run as a process with a fault knob; the
// page alert fires in Prometheus and reaches Alertmanager, and resolves after the
// service is rolled out again without the fault. And a latency histogram's exemplar
// leads to the trace behind it in Jaeger.
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelMatchers } from '../../operator/src/render/slo.ts';
import { installSloRules, localSloRules } from '../../scripts/local/slo-rules.ts';
import { http } from '../services/support/client.ts';
import { startFleet, tracedFleetEnv, type Fleet } from '../services/support/fleet.ts';
import { endpoints } from '../support/endpoints.ts';
import { waitUntil } from '../support/processes.ts';
import { alertmanagerAlerts, isAvailabilityPage, prometheusAlerts, type Labels } from './alerts.ts';
import { createJaegerQuery, resolveSpans } from './jaeger-query.ts';
import { createPrometheusQuery } from './prometheus-query.ts';
import { startPrivateJaeger, type PrivateJaeger } from './telemetry-stack.ts';

const infra = endpoints();
const prometheus = createPrometheusQuery(infra.PROMETHEUS_URL);
const faultyRoute = 'GET /v1/stations';

let fleet: Fleet | undefined;
let jaeger: PrivateJaeger | undefined;
let namespace = '';
const cleanups: (() => unknown)[] = [];

const running = (): Fleet => {
  if (fleet === undefined) throw new Error('the fleet did not start');
  return fleet;
};

const isFastPage = (labels: Labels) => isAvailabilityPage(labels, { namespace, service: 'transaction' });

async function requests(count: number, path: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => fetch(running().url('transaction', path)).then((r) => r.status)));
    statuses.push(...batch);
  }
  return statuses;
}

beforeAll(async () => {
  if (infra.PROMETHEUS_RULES_DIR === '' || infra.PROMETHEUS_TARGETS_DIR === '') {
    throw new Error('the local Prometheus records no rules or targets folder: run `npm run infra:up`');
  }
  jaeger = await startPrivateJaeger();
  const started = await startFleet({ services: ['transaction'], env: tracedFleetEnv(jaeger.observability.OTEL_EXPORTER_OTLP_ENDPOINT) });
  fleet = started;
  namespace = `slo-${started.runId}`;

  // The rules the operator renders for a MetroXService that writes nothing about SLOs.
  cleanups.push(await installSloRules({ url: infra.PROMETHEUS_URL, rulesDir: infra.PROMETHEUS_RULES_DIR }, namespace, [{ name: 'transaction' }]));

  const targetsFile = join(infra.PROMETHEUS_TARGETS_DIR, `${namespace}.json`);
  writeFileSync(targetsFile, JSON.stringify([{ targets: [new URL(started.url('transaction')).host], labels: { namespace, service: 'transaction' } }]));
  cleanups.push(() => {
    rmSync(targetsFile, { force: true });
  });
  await waitUntil(async () => (await prometheus.query(`up{namespace="${namespace}"} == 1`)).length === 1, 60_000, () => `Prometheus did not scrape ${targetsFile}`);
}, 300_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  await fleet?.close();
  await jaeger?.stop();
});

describe('SLO alerts on the local stack', () => {
  it('the 1h/5m availability page fires in Prometheus and reaches Alertmanager while a fault knob fails a route, and resolves after a rollout without it', async () => {
    // Roll out with the knob: every GET /v1/stations fails.
    await running().stop('transaction');
    await running().start('transaction', { FAULT_HTTP_ERROR_RATIO: '1', FAULT_HTTP_ROUTES: faultyRoute });
    // Failures keep coming until the alert fires: a counter's first scrape is its baseline, not an increase.
    await waitUntil(
      async () => {
        expect(new Set(await requests(10, '/v1/stations'))).toEqual(new Set([500]));
        return (await prometheusAlerts(infra.PROMETHEUS_URL, isFastPage)).some((a) => a.state === 'firing');
      },
      90_000,
      () => 'the page alert did not fire in Prometheus',
    );
    await waitUntil(async () => (await alertmanagerAlerts(infra.ALERTMANAGER_URL, isFastPage)).some((a) => a.status.state === 'active'), 60_000, () => 'the page alert did not reach Alertmanager');

    // Roll out without it, and let good requests outweigh the failed ones in the 5 m window.
    await running().stop('transaction');
    await running().start('transaction');
    await waitUntil(
      async () => {
        expect(new Set(await requests(200, '/v1/stations'))).toEqual(new Set([200]));
        return (await prometheusAlerts(infra.PROMETHEUS_URL, isFastPage)).length === 0;
      },
      120_000,
      () => 'the page alert did not resolve in Prometheus',
    );
    await waitUntil(async () => (await alertmanagerAlerts(infra.ALERTMANAGER_URL, isFastPage)).length === 0, 60_000, () => 'the page alert did not resolve in Alertmanager');
  }, 360_000);

  it('every recording rule of the service\'s SLOs returns data from Prometheus', async () => {
    const records = localSloRules(namespace, [{ name: 'transaction' }]).groups.flatMap((g) => g.rules).flatMap((r) => ('record' in r ? [r] : []));
    const missing = async () => {
      const empty: string[] = [];
      for (const rule of records) {
        const selector = labelMatchers(rule.labels);
        if ((await prometheus.query(`${rule.record}{${selector}}`)).length === 0) empty.push(`${rule.record}{${selector}}`);
      }
      return empty;
    };
    await requests(10, '/v1/stations');
    let last: string[] = [];
    await waitUntil(async () => (last = await missing()).length === 0, 60_000, () => `no data for ${last.join(', ')}`);
  }, 120_000);
});

describe('from a metric to its trace', () => {
  it('an exemplar of the request-duration histogram, read from Prometheus, names a trace Jaeger holds with the request\'s span', async () => {
    const traceId = randomBytes(16).toString('hex');
    const created = await http<{ id: string }>(running().url('transaction', '/v1/transactions'), {
      method: 'POST',
      headers: { 'idempotency-key': randomUUID(), traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      json: { riderId: `rider-${randomUUID().slice(0, 8)}`, fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' },
    });
    expect(created.status).toBe(201);

    const query = `http_server_request_duration_seconds_bucket{namespace="${namespace}", http_route="/v1/transactions", http_request_method="POST"}`;
    let exemplarTraceIds: string[] = [];
    await waitUntil(
      async () => {
        const url = new URL('/api/v1/query_exemplars', infra.PROMETHEUS_URL);
        url.searchParams.set('query', query);
        url.searchParams.set('start', String(Date.now() / 1_000 - 600));
        url.searchParams.set('end', String(Date.now() / 1_000 + 60));
        const body = (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as { data: { exemplars: { labels: Record<string, string> }[] }[] };
        exemplarTraceIds = body.data.flatMap((series) => series.exemplars.map((e) => e.labels.trace_id ?? ''));
        return exemplarTraceIds.includes(traceId);
      },
      60_000,
      () => `Prometheus holds no exemplar with trace ${traceId} for ${query} (exemplars seen: ${exemplarTraceIds.join(', ')})`,
    );

    const jaegerQuery = createJaegerQuery(jaeger?.observability.JAEGER_URL ?? '');
    const trace = await jaegerQuery.waitForTrace(traceId, (t) => resolveSpans(t).some((s) => s.service === 'transaction' && s.kind === 'server'));
    expect(resolveSpans(trace).some((s) => s.service === 'transaction')).toBe(true);
  }, 120_000);
});
