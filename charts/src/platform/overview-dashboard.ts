// The platform overview dashboard: every service's RED metrics, requests shed, event throughput
// and lag, outbox backlog, dead letters and the operator's reconcile health, on
// one page. Built with Grafana's typed dashboard library; the metric names are
// the ones @metrox/kit and the operator export.
// The v1 dashboard model on purpose: Grafana 11's file provisioning reads v1 JSON;
// the SDK marks it deprecated in favour of v2, which needs Grafana 12.
/* eslint-disable @typescript-eslint/no-deprecated */
import { DashboardBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { burnRate, sloRecords } from '@metrox/operator/render';

export const overviewDashboardUid = 'metrox-overview';

interface Query {
  expr: string;
  legend: string;
}

export function overviewDashboard(prometheusUid: string): Dashboard {
  const datasource = { type: 'prometheus', uid: prometheusUid };
  const panel = (title: string, unit: string, queries: Query[], options: { exemplars?: boolean; description?: string } = {}) => {
    const builder = new TimeseriesPanel().title(title).unit(unit).datasource(datasource).height(8).span(8);
    if (options.description !== undefined) builder.description(options.description);
    queries.forEach((query, index) => {
      builder.withTarget(
        new DataqueryBuilder()
          .datasource(datasource)
          .refId(String.fromCharCode(65 + index))
          .expr(query.expr)
          .legendFormat(query.legend)
          .exemplar(options.exemplars ?? false),
      );
    });
    return builder;
  };
  const rate = (metric: string, selector = '') => `rate(${metric}${selector}[$__rate_interval])`;

  return new DashboardBuilder('MetroX overview')
    .uid(overviewDashboardUid)
    .tags(['metrox'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .withRow(new RowBuilder('Services: rate, errors, duration'))
    .withPanel(
      panel('HTTP requests per second', 'reqps', [
        { expr: `sum by (service) (${rate('http_server_request_duration_seconds_count')})`, legend: '{{service}}' },
      ]),
    )
    .withPanel(
      panel('HTTP error ratio (5xx)', 'percentunit', [
        {
          expr: `sum by (service) (${rate('http_server_request_duration_seconds_count', '{http_response_status_code=~"5.."}')}) / sum by (service) (${rate('http_server_request_duration_seconds_count')})`,
          legend: '{{service}}',
        },
      ]),
    )
    .withPanel(
      panel(
        'HTTP p99 duration',
        's',
        [{ expr: `histogram_quantile(0.99, sum by (service, le) (${rate('http_server_request_duration_seconds_bucket')}))`, legend: '{{service}}' }],
        { exemplars: true, description: 'Exemplar dots open the trace of a slow request in Jaeger.' },
      ),
    )
    .withPanel(
      panel('gRPC calls per second', 'reqps', [
        { expr: `sum by (service, rpc_method) (${rate('rpc_server_duration_seconds_count')})`, legend: '{{service}} {{rpc_method}}' },
      ]),
    )
    .withPanel(
      panel('gRPC error ratio', 'percentunit', [
        {
          expr: `sum by (service) (${rate('rpc_server_duration_seconds_count', '{rpc_grpc_status_code!="0"}')}) / sum by (service) (${rate('rpc_server_duration_seconds_count')})`,
          legend: '{{service}}',
        },
      ]),
    )
    .withPanel(
      panel(
        'gRPC p99 duration',
        's',
        [{ expr: `histogram_quantile(0.99, sum by (service, le) (${rate('rpc_server_duration_seconds_bucket')}))`, legend: '{{service}}' }],
        { exemplars: true },
      ),
    )
    .withRow(new RowBuilder('Services: admission control'))
    .withPanel(
      panel('HTTP requests shed per second', 'reqps', [{ expr: `sum by (service, reason) (${rate('metrox_http_requests_shed_total')})`, legend: '{{service}} {{reason}}' }], {
        description: 'Requests answered 503 (overloaded) at once, by reason: in_flight (HTTP_MAX_IN_FLIGHT), event_loop_delay, pool_wait. They count as 5xx in the error ratio.',
      }),
    )
    .withPanel(
      panel('HTTP requests in flight (busiest replica)', 'short', [{ expr: 'max by (service) (http_server_active_requests)', legend: '{{service}}' }], {
        description: 'Requests admitted and not yet answered; HTTP_MAX_IN_FLIGHT caps each replica.',
      }),
    )
    .withRow(new RowBuilder('Services: SLOs'))
    .withPanel(
      panel('Error budget left (SLO period)', 'percentunit', [{ expr: `min by (service, slo) (${sloRecords.budgetRemaining})`, legend: '{{service}} {{slo}}' }], {
        description: 'Share of each SLO\'s error budget not yet spent over its period (spec.slo.window). Below 0: the objective is missed.',
      }),
    )
    .withPanel(
      panel(
        'Burn rate (1h)',
        'none',
        [{ expr: `max by (service, slo) (${burnRate('')})`, legend: '{{service}} {{slo}}' }],
        { description: '1 spends the budget exactly over the period; the page alert needs 14.4 over both 1h and 5m.' },
      ),
    )
    .withRow(new RowBuilder('Events'))
    .withPanel(
      panel('Events published per second', 'ops', [
        { expr: `sum by (service, type) (${rate('metrox_events_published_total')})`, legend: '{{service}} → {{type}}' },
      ]),
    )
    .withPanel(
      panel('Events consumed per second', 'ops', [
        { expr: `sum by (service, outcome) (${rate('metrox_events_consumed_total')})`, legend: '{{service}} {{outcome}}' },
      ]),
    )
    .withPanel(
      panel(
        'Consumer lag p95',
        's',
        [{ expr: `histogram_quantile(0.95, sum by (service, le) (${rate('metrox_event_lag_seconds_bucket')}))`, legend: '{{service}}' }],
        { exemplars: true, description: 'Time from an event being produced to its processing by each consumer.' },
      ),
    )
    .withPanel(
      panel('Outbox backlog', 'short', [{ expr: 'sum by (service) (metrox_outbox_pending)', legend: '{{service}}' }], {
        description: 'Rows committed but not yet confirmed by the broker. Growth means the relay is stuck.',
      }),
    )
    .withPanel(panel('Oldest unpublished outbox row', 's', [{ expr: 'max by (service) (metrox_outbox_oldest_age_seconds)', legend: '{{service}}' }]))
    .withPanel(
      panel('Dead letters', 'short', [
        { expr: `sum by (service) (increase(metrox_events_consumed_total{outcome="dead_lettered"}[$__rate_interval]))`, legend: 'dead-lettered by {{service}}' },
        { expr: 'sum by (queue) (rabbitmq_detailed_queue_messages{queue=~".*(dlq|dead).*"})', legend: 'waiting in {{queue}}' },
      ]),
    )
    .withRow(new RowBuilder('Operator'))
    .withPanel(
      panel('Reconciles per second', 'ops', [
        { expr: `sum by (controller, result) (${rate('controller_runtime_reconcile_total')})`, legend: '{{controller}} {{result}}' },
      ]),
    )
    .withPanel(
      panel('Reconcile p99 duration', 's', [
        { expr: `histogram_quantile(0.99, sum by (controller, le) (${rate('controller_runtime_reconcile_time_seconds_bucket')}))`, legend: '{{controller}}' },
      ]),
    )
    .withPanel(
      panel('Work queue', 'short', [
        { expr: 'sum by (name) (workqueue_depth)', legend: 'depth {{name}}' },
        { expr: `sum by (name) (${rate('workqueue_retries_total')})`, legend: 'retries/s {{name}}' },
      ]),
    )
    .build();
}
