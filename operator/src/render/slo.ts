// A MetroXService's SLOs as Prometheus rules (pure). Per objective: the SLI's error
// ratio recorded over every window the alerts read, the objective, the error budget
// left over the SLO period, and the four multiwindow multi-burn-rate alerts of the
// Google SRE workbook ("Alerting on SLOs"). One rule group per service, recording
// rules first: a group evaluates its rules in order, so the alerts read this round's
// ratios.
import type { SloSpec } from '../api/metroxservice.ts';
import { dashboardUid, serviceSelector } from './dashboard.ts';

export type SloName = 'availability' | 'latency' | 'events';

export interface BurnRateAlert {
  severity: 'page' | 'ticket';
  longWindow: string;
  shortWindow: string;
  /** How many times faster than "exactly spent at the end of the period" the budget burns. */
  burnRate: number;
}

/** The workbook's recommended pairs: 2 % of a 30-day budget in 1 h, 5 % in 6 h, 10 % in 3 d. */
export const burnRateAlerts: readonly BurnRateAlert[] = [
  { severity: 'page', longWindow: '1h', shortWindow: '5m', burnRate: 14.4 },
  { severity: 'page', longWindow: '6h', shortWindow: '30m', burnRate: 6 },
  { severity: 'ticket', longWindow: '1d', shortWindow: '2h', burnRate: 3 },
  { severity: 'ticket', longWindow: '3d', shortWindow: '6h', burnRate: 1 },
];

export const alertName = 'MetroXErrorBudgetBurn';

/**
 * Routes the kit serves for the platform, not for users (probes, scrapes, the API
 * document): they are not part of any SLI. The kit's own list; a test keeps them alike.
 */
export const plumbingRoutes = ['/healthz', '/readyz', '/metrics', '/openapi.json'] as const;

/** The plumbing routes of a service whose metrics are served at `metricsPath` (spec.observability.metrics.path). */
export function excludedRoutes(metricsPath: string): string[] {
  return [...new Set([...plumbingRoutes, metricsPath])];
}

/** Where the runbook for these alerts lives. */
export const runbookUrl = 'https://github.com/metrox/metrox/blob/main/README.md#when-an-slo-alert-fires';

/** Recording rule names, in the level:metric:operations form. */
export const sloRecords = {
  errorRatio: (window: string) => `slo:sli_error:ratio_rate${window}`,
  objective: 'slo:objective:ratio',
  budgetRemaining: 'slo:error_budget_remaining:ratio',
} as const;

export interface Indicator {
  slo: SloName;
  /** The objective as a ratio, e.g. 0.999. */
  objective: number;
  /** What the SLI counts as good, for people. */
  description: string;
  /** PromQL: the share of bad events over a window. */
  errorRatio: (window: string) => string;
}

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

/** A Prometheus rule file; also the spec of a PrometheusRule. */
export interface RuleFile {
  groups: RuleGroup[];
}

/** The windows the alerts read: each pair's long and short one. */
export const alertWindows: readonly string[] = [...new Set(burnRateAlerts.flatMap((a) => [a.shortWindow, a.longWindow]))];

/** PromQL label matchers, e.g. `namespace="shop", service="payment"`. */
export function labelMatchers(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
}

/** '500ms' → 0.5, '2.5s' → 2.5. */
export function durationSeconds(duration: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(duration);
  if (match === null) throw new Error(`not a duration in ms or s: ${duration}`);
  const value = Number(match[1]);
  return match[2] === 'ms' ? value / 1_000 : value;
}

/** Rounds away floating-point noise (14.4 × 0.001 is 0.014400000000000001). */
function exact(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/**
 * The `le` matcher of one histogram bucket. Prometheus 3 writes classic buckets'
 * bounds as floats ("1.0"), Prometheus 2 as the target wrote them ("1"): match both.
 */
function bucketMatcher(seconds: number): string {
  const text = exact(seconds);
  return Number.isInteger(seconds) ? `le=~"${text}|${text}\\\\.0"` : `le="${text}"`;
}

export function indicators(namespace: string, service: string, slo: SloSpec, subscribes: readonly string[], metricsPath = '/metrics'): Indicator[] {
  const selector = `${serviceSelector(namespace, service)}, http_route!~"${excludedRoutes(metricsPath).join('|')}"`;
  const requests = (window: string, extra = '') => `sum(rate(http_server_request_duration_seconds_count{${selector}${extra}}[${window}]))`;
  const threshold = durationSeconds(slo.latency.threshold);
  const result: Indicator[] = [
    {
      slo: 'availability',
      objective: slo.availability.objective / 100,
      description: 'HTTP requests answered without a 5xx status',
      errorRatio: (w) => `(${requests(w, ', http_response_status_code=~"5.."')} or vector(0)) / clamp_min(${requests(w)}, 1e-9)`,
    },
    {
      slo: 'latency',
      objective: slo.latency.objective / 100,
      description: `HTTP requests answered within ${slo.latency.threshold}`,
      errorRatio: (w) =>
        `1 - (sum(rate(http_server_request_duration_seconds_bucket{${selector}, ${bucketMatcher(threshold)}}[${w}])) / clamp_min(${requests(w)}, 1e-9))`,
    },
  ];
  if (subscribes.length > 0) {
    const consumed = (w: string, outcome: string) => `sum(rate(metrox_events_consumed_total{${serviceSelector(namespace, service)}, ${outcome}}[${w}]))`;
    result.push({
      slo: 'events',
      objective: slo.events.objective / 100,
      description: 'consumed events processed without being dead-lettered',
      // Retries are attempts, not outcomes: each event ends processed, duplicate or dead-lettered.
      errorRatio: (w) => `(${consumed(w, 'outcome="dead_lettered"')} or vector(0)) / clamp_min(${consumed(w, 'outcome!="retried"')}, 1e-9)`,
    });
  }
  return result;
}

function hours(duration: string): number {
  const match = /^(\d+)([mhd])$/.exec(duration);
  if (match === null) throw new Error(`not a Prometheus duration in m, h or d: ${duration}`);
  return Number(match[1]) * { m: 1 / 60, h: 1, d: 24 }[match[2] as 'm' | 'h' | 'd'];
}

function alertsOf(indicator: Indicator, labels: Record<string, string>, window: string, dashboardPath: string): AlertingRule[] {
  const budget = 1 - indicator.objective;
  const series = (w: string) => `${sloRecords.errorRatio(w)}{${labelMatchers(labels)}}`;
  return burnRateAlerts.map((pair) => {
    const threshold = exact(pair.burnRate * budget);
    const exhaustion = hours(window) / pair.burnRate;
    return {
      alert: alertName,
      expr: `${series(pair.longWindow)} > ${threshold} and ${series(pair.shortWindow)} > ${threshold}`,
      labels: { severity: pair.severity, slo: indicator.slo, long_window: pair.longWindow, short_window: pair.shortWindow, burn_rate: String(pair.burnRate) },
      annotations: {
        summary: `${labels.service ?? ''} (${labels.namespace ?? ''}) is spending its ${indicator.slo} error budget ${String(pair.burnRate)}x too fast`,
        description:
          `Over both the last ${pair.longWindow} and ${pair.shortWindow}, more than ${threshold} of ${labels.service ?? ''}'s events failed the SLI ` +
          `(${indicator.description}; objective ${exact(indicator.objective * 100)} % over ${window}). ` +
          `At this rate the whole ${window} budget is gone in ${exact(Math.round(exhaustion * 10) / 10)} h.`,
        runbook_url: runbookUrl,
        dashboard: dashboardPath,
      },
    };
  });
}

/** The rule file of one MetroXService's SLOs; no groups when spec.slo.enabled is false. */
export function renderSloRules(namespace: string, service: string, slo: SloSpec, subscribes: readonly string[], metricsPath = '/metrics'): RuleFile {
  if (!slo.enabled) return { groups: [] };
  const rules: RecordingRule[] = [];
  const alerts: AlertingRule[] = [];
  const dashboardPath = `/d/${dashboardUid(namespace, service)}`;
  for (const indicator of indicators(namespace, service, slo, subscribes, metricsPath)) {
    const labels = { namespace, service, slo: indicator.slo };
    const selector = labelMatchers(labels);
    for (const window of alertWindows) rules.push({ record: sloRecords.errorRatio(window), expr: indicator.errorRatio(window), labels });
    rules.push({ record: sloRecords.objective, expr: `vector(${exact(indicator.objective)})`, labels });
    // The period's ratio from the 5-minute one (as Sloth does): a raw rate over 28 days
    // on every evaluation would be far dearer.
    rules.push({
      record: sloRecords.errorRatio(slo.window),
      expr: `avg_over_time(${sloRecords.errorRatio('5m')}{${selector}}[${slo.window}])`,
      labels,
    });
    rules.push({
      record: sloRecords.budgetRemaining,
      expr: `1 - ${sloRecords.errorRatio(slo.window)}{${selector}} / ${exact(1 - indicator.objective)}`,
      labels,
    });
    alerts.push(...alertsOf(indicator, labels, slo.window, dashboardPath));
  }
  return { groups: [{ name: `metrox-slo-${namespace}-${service}`, rules: [...rules, ...alerts] }] };
}
