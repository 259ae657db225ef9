import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withDefaults } from '../api/defaults.ts';
import { apiVersion, kind, type MetroXService, type MetroXServiceSpecInput, type latencyThresholds } from '../api/metroxservice.ts';
import { renderChildren, type RenderContext } from './index.ts';
import { alertName, burnRateAlerts, durationSeconds, renderSloRules, type AlertingRule, type RecordingRule, type RuleFile } from './slo.ts';

const context: RenderContext = { otlpEndpoint: 'http://collector:4318', databaseSecret: undefined, broker: undefined, brokerServiceUrl: undefined, serviceMonitors: false, cipherImage: undefined };
const image = 'ghcr.io/metrox/payment:1.0.0';

function rulesOf(spec: MetroXServiceSpecInput): RuleFile {
  const defaulted = withDefaults(spec);
  return renderSloRules('shop', 'payment', defaulted.slo, defaulted.events.subscribes, defaulted.observability.metrics.path);
}

const alerts = (file: RuleFile) => file.groups.flatMap((g) => g.rules).filter((r): r is AlertingRule => 'alert' in r);
const records = (file: RuleFile) => file.groups.flatMap((g) => g.rules).filter((r): r is RecordingRule => 'record' in r);

describe('SLO rules', () => {
  it('a MetroXService that writes nothing about SLOs gets availability and latency objectives with four burn-rate alerts each', () => {
    const file = rulesOf({ image });
    expect(new Set(alerts(file).map((a) => a.labels.slo))).toEqual(new Set(['availability', 'latency']));
    expect(alerts(file)).toHaveLength(8);
    expect(alerts(file).every((a) => a.alert === alertName)).toBe(true);
    const objectives = records(file).filter((r) => r.record === 'slo:objective:ratio');
    expect(objectives.map((r) => [r.labels.slo, r.expr])).toEqual([
      ['availability', 'vector(0.999)'],
      ['latency', 'vector(0.99)'],
    ]);
  });

  it('the alerts are the workbook\'s pairs: page 14.4x over 1h and 5m and 6x over 6h and 30m, ticket 3x over 1d and 2h and 1x over 3d and 6h', () => {
    const availability = alerts(rulesOf({ image })).filter((a) => a.labels.slo === 'availability');
    expect(availability.map((a) => [a.labels.severity, a.labels.long_window, a.labels.short_window, a.labels.burn_rate])).toEqual([
      ['page', '1h', '5m', '14.4'],
      ['page', '6h', '30m', '6'],
      ['ticket', '1d', '2h', '3'],
      ['ticket', '3d', '6h', '1'],
    ]);
    // 14.4 × (1 − 0.999), without floating-point noise, on both windows.
    expect(availability[0]?.expr).toBe(
      'slo:sli_error:ratio_rate1h{namespace="shop", service="payment", slo="availability"} > 0.0144 and slo:sli_error:ratio_rate5m{namespace="shop", service="payment", slo="availability"} > 0.0144',
    );
  });

  it('every alert carries a runbook link, the service\'s dashboard and a description with the budget\'s time to exhaustion', () => {
    for (const alert of alerts(rulesOf({ image }))) {
      expect(alert.annotations.runbook_url).toMatch(/^https:\/\/.+#when-an-slo-alert-fires$/);
      expect(alert.annotations.dashboard).toBe('/d/metrox-shop-payment');
    }
    const page = alerts(rulesOf({ image }))[0];
    expect(page?.annotations.description).toContain('gone in 46.7 h'); // 28 d / 14.4
  });

  it('records the error ratio over every window an alert reads and over the SLO period', () => {
    const windows = new Set([...burnRateAlerts.flatMap((a) => [a.longWindow, a.shortWindow]), '28d']);
    const recorded = new Set(records(rulesOf({ image })).filter((r) => r.labels.slo === 'availability').map((r) => r.record));
    for (const window of windows) expect(recorded).toContain(`slo:sli_error:ratio_rate${window}`);
    expect(recorded).toContain('slo:error_budget_remaining:ratio');
  });

  it('the SLIs leave out the platform routes (probes, scrapes, the API document)', () => {
    const ratio = records(rulesOf({ image })).find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.slo === 'availability');
    expect(ratio?.expr).toContain('http_route!~"/healthz|/readyz|/metrics|/openapi.json"');
  });

  it('the SLIs leave out a metrics path moved by spec.observability.metrics.path', () => {
    const ratio = records(rulesOf({ image, observability: { metrics: { path: '/internal/metrics' } } })).find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.slo === 'availability');
    expect(ratio?.expr).toContain('http_route!~"/healthz|/readyz|/metrics|/openapi.json|/internal/metrics"');
  });

  it('the latency SLI reads the bucket of its threshold, matching "1" and "1.0" for whole seconds', () => {
    const latency = (threshold: (typeof latencyThresholds)[number]) =>
      records(rulesOf({ image, slo: { latency: { threshold } } })).find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.slo === 'latency')?.expr;
    expect(latency('250ms')).toContain('le="0.25"');
    expect(latency('1s')).toContain('le=~"1|1\\\\.0"');
  });

  it('an event-processing objective is rendered for a service that consumes events, counting dead letters as failures', () => {
    expect(alerts(rulesOf({ image })).some((a) => a.labels.slo === 'events')).toBe(false);
    const file = rulesOf({ image, events: { subscribes: ['TransactionCreated'] }, slo: { events: { objective: 99 } } });
    const ratio = records(file).find((r) => r.record === 'slo:sli_error:ratio_rate1h' && r.labels.slo === 'events');
    expect(ratio?.expr).toContain('outcome="dead_lettered"');
    expect(alerts(file).find((a) => a.labels.slo === 'events')?.expr).toContain('> 0.144');
  });

  it('objectives, window and threshold come from spec.slo', () => {
    const file = rulesOf({ image, slo: { window: '7d', availability: { objective: 99.5 }, latency: { objective: 95, threshold: '100ms' } } });
    expect(records(file).some((r) => r.record === 'slo:sli_error:ratio_rate7d')).toBe(true);
    expect(alerts(file).find((a) => a.labels.slo === 'availability')?.expr).toContain('> 0.072');
    expect(alerts(file).find((a) => a.labels.slo === 'latency')?.expr).toContain('> 0.72');
  });

  it('spec.slo.enabled false renders no rules', () => {
    expect(rulesOf({ image, slo: { enabled: false } })).toEqual({ groups: [] });
  });

  it('durations of the latency thresholds are read in seconds', () => {
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(durationSeconds('2.5s')).toBe(2.5);
    expect(() => durationSeconds('1m')).toThrow(/not a duration/);
  });
});

describe('the SLO rules object', () => {
  function render(spec: MetroXServiceSpecInput, ctx: RenderContext = context) {
    const mxs: MetroXService = { apiVersion, kind, metadata: { name: 'payment', namespace: 'shop', uid: 'u-1' }, spec: withDefaults(spec) };
    return renderChildren(mxs, ctx);
  }

  it('is a ConfigMap labelled for the Prometheus rule sidecar when the Prometheus Operator is absent, holding the rule file', () => {
    const configMap = render({ image }).find((o) => o.metadata.name === 'payment-slo-rules') as { data: Record<string, string>; metadata: { labels: Record<string, string> } } | undefined;
    expect(configMap?.metadata.labels.prometheus_rule).toBe('1');
    const file = parse(configMap?.data['metrox-shop-payment.rules.yaml'] ?? '') as RuleFile;
    expect(file).toEqual(rulesOf({ image }));
  });

  it('is a PrometheusRule when the Prometheus Operator is installed', () => {
    const objects = render({ image }, { ...context, serviceMonitors: true });
    const rule = objects.find((o) => o.kind === 'PrometheusRule') as { spec: RuleFile } | undefined;
    expect(rule?.spec).toEqual(rulesOf({ image }));
    expect(objects.some((o) => o.metadata.name === 'payment-slo-rules')).toBe(false);
  });

  it('is not rendered when spec.slo.enabled is false', () => {
    const objects = render({ image, slo: { enabled: false } });
    expect(objects.some((o) => o.kind === 'PrometheusRule' || o.metadata.name === 'payment-slo-rules')).toBe(false);
  });
});
