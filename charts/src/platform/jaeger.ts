// Jaeger v2 (an OpenTelemetry Collector distribution): receives traces from the
// collector over OTLP gRPC, keeps them in memory (a development backend), serves
// the query API and UI, and reads span metrics from Prometheus for its Monitor tab.
// Everything is in one configuration file, mounted from a ConfigMap.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { platformImages } from '../support/images.ts';
import { appLabels, platform } from '../support/names.ts';
import { PlatformDeployment } from '../support/platform-deployment.ts';
import { httpProbe, resources, scratchVolume } from '../support/restricted.ts';

const { name, uiPort, otlpGrpcPort, metricsPort, healthPort } = platform.jaeger;
const configDir = '/etc/jaeger';
/** Oldest traces are evicted past this. */
const maxTraces = 50_000;
/** The namespace the collector's spanmetrics connector gives its metrics, as Prometheus names them. */
const spanMetricsNamespace = 'traces_span_metrics';
const traceStore = 'memstore';
const metricStore = 'prometheus';

export function jaegerConfig(): string {
  return stringify({
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
      },
      telemetry: {
        resource: { 'service.name': 'jaeger' },
        // Jaeger's own metrics (spans received, refused, stored), scraped by Prometheus.
        metrics: { level: 'normal', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: metricsPort } } } }] },
        logs: { level: 'info' },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${String(healthPort)}`, status: { enabled: true, path: '/status' } } },
      jaeger_query: {
        storage: { traces: traceStore, metrics: metricStore },
        http: { endpoint: `0.0.0.0:${String(uiPort)}` },
        // Nothing reads the gRPC query API: it stays on the Pod's loopback.
        grpc: { endpoint: '127.0.0.1:16685' },
        // Jaeger tracing its own queries would put a `jaeger` service among the MetroX ones.
        enable_tracing: false,
      },
      jaeger_storage: {
        backends: { [traceStore]: { memory: { max_traces: maxTraces } } },
        metric_backends: {
          [metricStore]: {
            prometheus: {
              endpoint: `http://${platform.prometheus.name}:${String(platform.prometheus.port)}`,
              metric_namespace: spanMetricsNamespace,
              latency_unit: 'ms',
              normalize_calls: true,
              normalize_duration: true,
            },
          },
        },
      },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${String(otlpGrpcPort)}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: traceStore } },
  });
}

export class Jaeger extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const config = jaegerConfig();
    new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: `${name}-config`, labels: appLabels(name, 'tracing') },
      data: { 'config.yaml': config },
    });
    new PlatformDeployment(this, 'workload', {
      name,
      component: 'tracing',
      uid: 10001,
      ports: { ui: uiPort, 'otlp-grpc': otlpGrpcPort, metrics: metricsPort, health: healthPort },
      config,
      podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort) },
      container: {
        image: platformImages.jaeger,
        args: [`--config=${configDir}/config.yaml`],
        env: [{ name: 'GOMEMLIMIT', value: '800MiB' }],
        resources: resources({ cpu: '100m', memory: '256Mi' }, '1Gi'),
        readinessProbe: httpProbe('/status', 'health', 5),
        livenessProbe: httpProbe('/status', 'health', 15),
        volumeMounts: [
          { name: 'config', mountPath: configDir, readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
      volumes: [{ name: 'config', configMap: { name: `${name}-config` } }, scratchVolume('tmp')],
    });
  }
}
