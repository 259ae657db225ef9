// Stable, explicit names of everything the charts create: the operator, Tilt,
// the NetworkPolicies and people all find objects by these.
import { managedBy } from '@metrox/operator/render';

export const namespace = 'metrox';

/** Labels every MetroX object carries (app.kubernetes.io recommended labels). */
export function appLabels(name: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'metrox',
  };
}

/** The label a Pod selector uses: one per workload, never hashed. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name };
}

export const platform = {
  postgres: { name: 'postgres', port: 5432, metricsPort: 9187, adminSecret: 'postgres-admin' },
  rabbitmq: { name: 'rabbitmq', amqpPort: 5672, managementPort: 15672, metricsPort: 15692, adminSecret: 'rabbitmq-admin' },
  otelCollector: { name: 'otel-collector', otlpGrpcPort: 4317, otlpHttpPort: 4318, metricsPort: 8889, selfMetricsPort: 8888 },
  jaeger: { name: 'jaeger', uiPort: 16686, otlpGrpcPort: 4317, metricsPort: 8888, healthPort: 13133 },
  prometheus: { name: 'prometheus', port: 9090 },
  alertmanager: { name: 'alertmanager', port: 9093 },
  grafana: { name: 'grafana', port: 3000, adminSecret: 'grafana-admin' },
} as const;

export { operatorName } from '@metrox/operator/install';

/**
 * Labels the operator puts on every Pod it runs for a MetroXService; the
 * NetworkPolicies select MetroX service Pods by them.
 */
export const servicePodLabels = { 'app.kubernetes.io/part-of': 'metrox', 'app.kubernetes.io/managed-by': managedBy } as const;
