import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCharts, chartObjects } from '../manifests.ts';
import { platform } from '../support/names.ts';
import { checksum } from '../support/platform-deployment.ts';
import { datasourcesConfig } from './grafana.ts';
import { jaegerConfig } from './jaeger.ts';
import { collectorConfig } from './otel-collector.ts';

// The Jaeger v2 configuration and the objects around it must agree: the port the
// Collector exports to, the query port Grafana reads, the metrics port Prometheus
// scrapes, the health port the probes ask.
interface Container {
  image: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Deployment {
  spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: Container[]; volumes: { name: string; configMap?: { name: string } }[] } } };
}
interface JaegerConfig {
  service: { extensions: string[]; pipelines: Record<string, { receivers: string[]; exporters: string[] }>; telemetry: { metrics: { readers: { pull: { exporter: { prometheus: { port: number } } } }[] } } };
  extensions: {
    healthcheckv2: { http: { endpoint: string; status: { path: string } } };
    jaeger_query: { storage: { traces: string; metrics: string }; http: { endpoint: string } };
    jaeger_storage: { backends: Record<string, { memory?: { max_traces: number } }>; metric_backends: Record<string, { prometheus?: { endpoint: string; metric_namespace: string } }> };
  };
  receivers: { otlp: { protocols: { grpc: { endpoint: string } } } };
  exporters: { jaeger_storage_exporter: { trace_storage: string } };
}

const objects = chartObjects(buildCharts().platform);
const find = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
const deployment = find('Deployment', 'jaeger') as unknown as Deployment;
const [container] = deployment.spec.template.spec.containers;
if (container === undefined) throw new Error('the jaeger Deployment has no container');
const portNamed = (name: string) => container.ports.find((port) => port.name === name)?.containerPort;
const config = parse(jaegerConfig()) as JaegerConfig;
const portOf = (endpoint: string) => Number(endpoint.split(':').pop());

describe('Jaeger v2', () => {
  it('runs the v2 image with its configuration file from the ConfigMap, rolled on change', () => {
    expect(container.image).toBe('docker.io/jaegertracing/jaeger:2.13.0');
    const configMap = find('ConfigMap', 'jaeger-config') as unknown as { data: Record<string, string> };
    expect(configMap.data['config.yaml']).toBe(jaegerConfig());
    const mount = container.volumeMounts.find((m) => deployment.spec.template.spec.volumes.find((v) => v.name === m.name)?.configMap?.name === 'jaeger-config');
    expect(container.args).toEqual([`--config=${mount?.mountPath ?? '?'}/config.yaml`]);
    expect(deployment.spec.template.metadata.annotations['metrox.io/config-checksum']).toBe(checksum(jaegerConfig()));
  });

  it('receives OTLP gRPC on the port the Collector exports to', () => {
    const collector = parse(collectorConfig()) as { exporters: Record<string, { endpoint?: string }> };
    expect(collector.exporters['otlp/jaeger']?.endpoint).toBe(`${platform.jaeger.name}:${String(platform.jaeger.otlpGrpcPort)}`);
    expect(portOf(config.receivers.otlp.protocols.grpc.endpoint)).toBe(platform.jaeger.otlpGrpcPort);
    expect(portNamed('otlp-grpc')).toBe(platform.jaeger.otlpGrpcPort);
    expect(config.service.pipelines.traces?.receivers).toEqual(['otlp']);
  });

  it('keeps traces in memory with a limit, and serves the query API where Grafana reads it', () => {
    const store = config.extensions.jaeger_storage.backends[config.extensions.jaeger_query.storage.traces];
    expect(store?.memory?.max_traces).toBeGreaterThan(0);
    expect(config.exporters.jaeger_storage_exporter.trace_storage).toBe(config.extensions.jaeger_query.storage.traces);
    expect(portOf(config.extensions.jaeger_query.http.endpoint)).toBe(platform.jaeger.uiPort);
    expect(portNamed('ui')).toBe(platform.jaeger.uiPort);
    expect(datasourcesConfig()).toContain(`url: http://${platform.jaeger.name}:${String(platform.jaeger.uiPort)}`);
  });

  it('reads span metrics for the Monitor tab from Prometheus, under the Collector\'s namespace', () => {
    const metrics = config.extensions.jaeger_storage.metric_backends[config.extensions.jaeger_query.storage.metrics]?.prometheus;
    expect(metrics?.endpoint).toBe(`http://${platform.prometheus.name}:${String(platform.prometheus.port)}`);
    const collector = parse(collectorConfig()) as { connectors: { spanmetrics: { namespace: string } } };
    expect(metrics?.metric_namespace).toBe(collector.connectors.spanmetrics.namespace.replaceAll('.', '_'));
  });

  it('exposes its own metrics where Prometheus scrapes and its health where the probes ask', () => {
    const reader = config.service.telemetry.metrics.readers[0];
    expect(reader?.pull.exporter.prometheus.port).toBe(platform.jaeger.metricsPort);
    expect(portNamed('metrics')).toBe(platform.jaeger.metricsPort);
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(platform.jaeger.metricsPort));
    const health = config.extensions.healthcheckv2.http;
    expect(config.service.extensions).toContain('healthcheckv2');
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe(health.status.path);
      expect(portNamed(probe.httpGet.port)).toBe(portOf(health.endpoint));
    }
  });
});
