// The OpenTelemetry Collector every service exports OTLP to: traces go to Jaeger,
// metrics (including span metrics with exemplars) to Prometheus, logs to stdout.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { platformImages } from '../support/images.ts';
import { appLabels, platform } from '../support/names.ts';
import { PlatformDeployment } from '../support/platform-deployment.ts';
import { httpProbe, resources } from '../support/restricted.ts';

const { name, otlpGrpcPort, otlpHttpPort, metricsPort, selfMetricsPort } = platform.otelCollector;
const healthPort = 13133;

export function collectorConfig(): string {
  const pipelineProcessors = ['memory_limiter', 'batch'];
  return stringify({
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${otlpGrpcPort}` }, http: { endpoint: `0.0.0.0:${otlpHttpPort}` } } },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      batch: {},
    },
    connectors: {
      // RED metrics from spans, for Jaeger's Monitor tab; exemplars link back to traces.
      spanmetrics: { namespace: 'traces.span.metrics', exemplars: { enabled: true } },
    },
    exporters: {
      'otlp/jaeger': { endpoint: `${platform.jaeger.name}:${platform.jaeger.otlpGrpcPort}`, tls: { insecure: true } },
      prometheus: { endpoint: `0.0.0.0:${metricsPort}`, enable_open_metrics: true, resource_to_telemetry_conversion: { enabled: true } },
      debug: { verbosity: 'basic' },
    },
    extensions: { health_check: { endpoint: `0.0.0.0:${healthPort}` } },
    service: {
      extensions: ['health_check'],
      // The collector's own metrics, in the `readers` form that 0.115 and later releases
      // read (`address`, deprecated since 0.111, is rejected by later ones).
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: selfMetricsPort } } } }] } },
      pipelines: {
        traces: { receivers: ['otlp'], processors: pipelineProcessors, exporters: ['otlp/jaeger', 'spanmetrics'] },
        metrics: { receivers: ['otlp', 'spanmetrics'], processors: pipelineProcessors, exporters: ['prometheus'] },
        logs: { receivers: ['otlp'], processors: pipelineProcessors, exporters: ['debug'] },
      },
    },
  });
}

export class OtelCollector extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const config = collectorConfig();
    new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: `${name}-config`, labels: appLabels(name, 'telemetry') },
      data: { 'config.yaml': config },
    });
    new PlatformDeployment(this, 'workload', {
      name,
      component: 'telemetry',
      uid: 10001,
      ports: { 'otlp-grpc': otlpGrpcPort, 'otlp-http': otlpHttpPort, metrics: metricsPort, 'self-metrics': selfMetricsPort, health: healthPort },
      config,
      podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort) },
      container: {
        image: platformImages.otelCollector,
        args: ['--config=/etc/otelcol/config.yaml'],
        env: [{ name: 'GOMEMLIMIT', value: '400MiB' }],
        resources: resources({ cpu: '100m', memory: '256Mi' }, '512Mi'),
        readinessProbe: httpProbe('/', 'health', 5),
        livenessProbe: httpProbe('/', 'health', 15),
        volumeMounts: [{ name: 'config', mountPath: '/etc/otelcol', readOnly: true }],
      },
      volumes: [{ name: 'config', configMap: { name: `${name}-config` } }],
    });
  }
}
