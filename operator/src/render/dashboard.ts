// The per-service Grafana dashboard: RED (rate, errors, duration) of HTTP and
// gRPC, requests shed by admission control, the SLOs' error budget and burn rate, events published and consumed by outcome, consumer lag and the outbox
// backlog. Built with the Grafana Foundation SDK so panels are typed; the panel
// builders are exported for other dashboards (the platform overview).
// The classic dashboard model is what Grafana's file provisioning and sidecar load today.
/* eslint-disable @typescript-eslint/no-deprecated -- see above */
import { DashboardBuilder, DatasourceVariableBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { sloRecords } from './slo.ts';

export interface PanelQuery {
  expr: string;
  legend: string;
}

/** A time-series panel over Prometheus queries. */
export function timeseriesPanel(title: string, unit: string, queries: PanelQuery[], width = 12): TimeseriesPanel {
  const panel = new TimeseriesPanel().title(title).unit(unit).min(0).height(8).span(width).datasource({ type: 'prometheus', uid: '${datasource}' });
  queries.forEach((query, index) => {
    panel.withTarget(new DataqueryBuilder().expr(query.expr).legendFormat(query.legend).refId(String.fromCharCode(65 + index)));
  });
  return panel;
}

/** PromQL selector of one service's metrics (labels set by the scrape config). */
export function serviceSelector(namespace: string, service: string): string {
  return `namespace="${namespace}", service="${service}"`;
}

export function redPanels(selector: string): TimeseriesPanel[] {
  return [
    timeseriesPanel('HTTP requests / s', 'reqps', [{ expr: `sum by (http_route) (rate(http_server_request_duration_seconds_count{${selector}}[$__rate_interval]))`, legend: '{{http_route}}' }], 8),
    timeseriesPanel('HTTP errors (5xx) ratio', 'percentunit', [
      { expr: `sum(rate(http_server_request_duration_seconds_count{${selector}, http_response_status_code=~"5.."}[$__rate_interval])) / clamp_min(sum(rate(http_server_request_duration_seconds_count{${selector}}[$__rate_interval])), 1e-9)`, legend: 'errors' },
    ], 8),
    timeseriesPanel('HTTP latency', 's', [
      { expr: `histogram_quantile(0.5, sum by (le) (rate(http_server_request_duration_seconds_bucket{${selector}}[$__rate_interval])))`, legend: 'p50' },
      { expr: `histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{${selector}}[$__rate_interval])))`, legend: 'p99' },
    ], 8),
    timeseriesPanel('gRPC calls / s', 'reqps', [{ expr: `sum by (rpc_method, rpc_grpc_status_code) (rate(rpc_server_duration_seconds_count{${selector}}[$__rate_interval]))`, legend: '{{rpc_method}} {{rpc_grpc_status_code}}' }], 12),
    timeseriesPanel('gRPC latency p99', 's', [{ expr: `histogram_quantile(0.99, sum by (le, rpc_method) (rate(rpc_server_duration_seconds_bucket{${selector}}[$__rate_interval])))`, legend: '{{rpc_method}}' }], 12),
  ];
}

/** Admission control: requests answered 503 at once because the service was overloaded, and the load that decides it. */
export function admissionPanels(selector: string): TimeseriesPanel[] {
  return [
    timeseriesPanel('HTTP requests shed / s (503 overloaded) by reason', 'reqps', [
      { expr: `sum by (reason) (rate(metrox_http_requests_shed_total{${selector}}[$__rate_interval]))`, legend: '{{reason}}' },
    ], 12),
    timeseriesPanel('HTTP requests in flight', 'short', [
      { expr: `sum(http_server_active_requests{${selector}})`, legend: 'all replicas' },
      { expr: `max(http_server_active_requests{${selector}})`, legend: 'busiest replica (HTTP_MAX_IN_FLIGHT applies per replica)' },
    ], 12),
  ];
}

/** The event types a service declares: they decide which event panels can ever show data. */
export interface DeclaredEvents {
  publishes: readonly string[];
  subscribes: readonly string[];
}

/** Panels for the events a service publishes and consumes; a panel it could never fill is left out. */
export function eventPanels(selector: string, events: DeclaredEvents): TimeseriesPanel[] {
  const publishes = events.publishes.length > 0;
  const subscribes = events.subscribes.length > 0;
  const width = publishes && subscribes ? 8 : 12;
  return [
    ...(publishes
      ? [timeseriesPanel('Events published / s', 'ops', [{ expr: `sum by (type) (rate(metrox_events_published_total{${selector}}[$__rate_interval]))`, legend: '{{type}}' }], width)]
      : []),
    ...(subscribes
      ? [
          timeseriesPanel('Events consumed / s by outcome', 'ops', [{ expr: `sum by (type, outcome) (rate(metrox_events_consumed_total{${selector}}[$__rate_interval]))`, legend: '{{type}} {{outcome}}' }], width),
          timeseriesPanel('Consumer lag p99', 's', [{ expr: `histogram_quantile(0.99, sum by (le, type) (rate(metrox_event_lag_seconds_bucket{${selector}}[$__rate_interval])))`, legend: '{{type}}' }], width),
        ]
      : []),
  ];
}

export function outboxPanels(selector: string): TimeseriesPanel[] {
  return [
    timeseriesPanel('Outbox backlog', 'short', [{ expr: `sum(metrox_outbox_pending{${selector}})`, legend: 'pending' }], 12),
    timeseriesPanel('Oldest unpublished event', 's', [{ expr: `max(metrox_outbox_oldest_age_seconds{${selector}})`, legend: 'age' }], 12),
  ];
}

/** The service's SLOs (spec.slo): budget left over the period and how fast it burns now. */
export function sloPanels(selector: string): TimeseriesPanel[] {
  return [
    timeseriesPanel('Error budget left (SLO period)', 'percentunit', [{ expr: `${sloRecords.budgetRemaining}{${selector}}`, legend: '{{slo}}' }], 12),
    timeseriesPanel('Burn rate (1h; 1 = budget spent exactly at the end of the period)', 'none', [{ expr: burnRate(selector), legend: '{{slo}}' }], 12),
  ];
}

/** How many times faster than sustainable the budget burns, over the last hour. */
export function burnRate(selector: string): string {
  return `${sloRecords.errorRatio('1h')}{${selector}} / on (namespace, service, slo) (1 - ${sloRecords.objective}{${selector}})`;
}

export function dashboardUid(namespace: string, service: string): string {
  // Grafana uids are at most 40 characters.
  return `metrox-${namespace}-${service}`.slice(0, 40);
}

export function renderDashboard(namespace: string, service: string, events: DeclaredEvents, slo = true): Dashboard {
  const selector = serviceSelector(namespace, service);
  const builder = new DashboardBuilder(`MetroX / ${namespace} / ${service}`)
    .uid(dashboardUid(namespace, service))
    .tags(['metrox', 'generated', service])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
  builder.withRow(new RowBuilder('Requests (RED)'));
  for (const panel of redPanels(selector)) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Admission control'));
  for (const panel of admissionPanels(selector)) builder.withPanel(panel);
  if (slo) {
    builder.withRow(new RowBuilder('SLOs'));
    for (const panel of sloPanels(selector)) builder.withPanel(panel);
  }
  const eventPanelsOfService = eventPanels(selector, events);
  if (eventPanelsOfService.length > 0) builder.withRow(new RowBuilder('Events'));
  for (const panel of eventPanelsOfService) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Outbox'));
  for (const panel of outboxPanels(selector)) builder.withPanel(panel);
  return builder.build();
}
