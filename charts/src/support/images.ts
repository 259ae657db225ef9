// Every image the charts deploy, pinned to a version so a synth is reproducible
// and an upgrade is a reviewed one-line diff.
export const platformImages = {
  postgres: 'docker.io/library/postgres:15.10-alpine',
  rabbitmq: 'docker.io/library/rabbitmq:3.13.7-management-alpine',
  otelCollector: 'docker.io/otel/opentelemetry-collector-contrib:0.115.1',
  jaeger: 'docker.io/jaegertracing/jaeger:2.13.0',
  prometheus: 'quay.io/prometheus/prometheus:v2.55.1',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.27.0',
  grafana: 'docker.io/grafana/grafana:11.3.1',
  /** Loads labelled ConfigMaps into a folder: Grafana's dashboards, Prometheus' rules. */
  configMapSidecar: 'quay.io/kiwigrid/k8s-sidecar:1.28.4',
} as const;

/** The registry path MetroX's own images are published under; Tilt replaces them with its builds. */
export const metroxRegistry = 'ghcr.io/metrox';
export const metroxVersion = '0.1.0';

export function metroxImage(component: string): string {
  return `${metroxRegistry}/${component}:${metroxVersion}`;
}
