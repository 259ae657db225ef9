// Jaeger all-in-one: receives traces from the collector over OTLP, keeps them in
// memory (a development backend), and reads span metrics from Prometheus for its
// Monitor tab.
import { Construct } from 'constructs';
import { platformImages } from '../support/images.ts';
import { platform } from '../support/names.ts';
import { PlatformDeployment } from '../support/platform-deployment.ts';
import { httpProbe, resources, scratchVolume } from '../support/restricted.ts';

const { name, uiPort, otlpGrpcPort, metricsPort } = platform.jaeger;

export class Jaeger extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new PlatformDeployment(this, 'workload', {
      name,
      component: 'tracing',
      uid: 10001,
      ports: { ui: uiPort, 'otlp-grpc': otlpGrpcPort, admin: metricsPort },
      podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort) },
      container: {
        image: platformImages.jaeger,
        env: [
          { name: 'COLLECTOR_OTLP_ENABLED', value: 'true' },
          { name: 'SPAN_STORAGE_TYPE', value: 'memory' },
          { name: 'MEMORY_MAX_TRACES', value: '50000' },
          { name: 'METRICS_STORAGE_TYPE', value: 'prometheus' },
          { name: 'PROMETHEUS_SERVER_URL', value: `http://${platform.prometheus.name}:${platform.prometheus.port}` },
          { name: 'PROMETHEUS_QUERY_NAMESPACE', value: 'traces_span_metrics' },
          { name: 'PROMETHEUS_QUERY_NORMALIZE_CALLS', value: 'true' },
          { name: 'PROMETHEUS_QUERY_NORMALIZE_DURATION', value: 'true' },
        ],
        resources: resources({ cpu: '100m', memory: '256Mi' }, '1Gi'),
        readinessProbe: httpProbe('/', 'admin', 5),
        livenessProbe: httpProbe('/', 'admin', 15),
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
      volumes: [scratchVolume('tmp')],
    });
  }
}
