// The operator as a deployable unit: ServiceAccount, least-privilege RBAC (from the
// operator's own declaration), two replicas with leader election, a metrics
// Service, a disruption budget and the NetworkPolicy that lets Prometheus scrape it.
// The CRD is its own chart (crds-chart.ts): it must be established before anything
// creates a MetroXService.
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { operatorName, operatorRbac } from '@metrox/operator/install';
import { metroxImage } from '../support/images.ts';
import { appLabels, namespace, platform, selectorLabels } from '../support/names.ts';
import { httpProbe, resources, restrictedContainerSecurity, restrictedPodSecurity } from '../support/restricted.ts';

export interface OperatorSettings {
  image: string;
  replicas: number;
  logLevel: string;
}

export const defaultOperatorSettings: OperatorSettings = { image: metroxImage('operator'), replicas: 2, logLevel: 'info' };

const httpPort = 8080;

export class OperatorChart extends Chart {
  constructor(scope: Construct, id: string, settings: OperatorSettings = defaultOperatorSettings) {
    super(scope, id, { namespace, disableResourceNameHashes: true });
    const labels = appLabels(operatorName, 'operator');
    const fromSecret = (name: string, secret: string, key: string): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
    const fromField = (name: string, fieldPath: string): k8s.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

    new k8s.KubeServiceAccount(this, 'account', { metadata: { name: operatorName, labels } });
    operatorRbac(namespace, operatorName).forEach((object, index) => new ApiObject(this, `rbac-${index}`, object));

    new k8s.KubeService(this, 'metrics', {
      metadata: { name: `${operatorName}-metrics`, labels },
      spec: { selector: selectorLabels(operatorName), ports: [{ name: 'http', port: httpPort, targetPort: k8s.IntOrString.fromString('http') }] },
    });

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: operatorName, labels },
      spec: {
        // Two replicas: one leads (a coordination.k8s.io Lease), the other takes over within seconds.
        replicas: settings.replicas,
        selector: { matchLabels: selectorLabels(operatorName) },
        template: {
          metadata: {
            labels,
            annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(httpPort), 'prometheus.io/path': '/metrics' },
          },
          spec: {
            serviceAccountName: operatorName,
            securityContext: restrictedPodSecurity(65532),
            terminationGracePeriodSeconds: 30,
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selectorLabels(operatorName) } } },
                ],
              },
            },
            containers: [
              {
                name: 'operator',
                image: settings.image,
                ports: [{ name: 'http', containerPort: httpPort }],
                env: [
                  fromField('POD_NAME', 'metadata.name'),
                  fromField('POD_NAMESPACE', 'metadata.namespace'),
                  { name: 'METROX_HTTP_PORT', value: String(httpPort) },
                  { name: 'LOG_LEVEL', value: settings.logLevel },
                  fromSecret('METROX_POSTGRES_ADMIN_URL', platform.postgres.adminSecret, 'url'),
                  fromSecret('METROX_AMQP_ADMIN_URL', platform.rabbitmq.adminSecret, 'url'),
                  { name: 'METROX_OTLP_ENDPOINT', value: `http://${platform.otelCollector.name}.${namespace}.svc:${platform.otelCollector.otlpHttpPort}` },
                  { name: 'OTEL_SERVICE_NAME', value: operatorName },
                  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: `http://${platform.otelCollector.name}.${namespace}.svc:${platform.otelCollector.otlpHttpPort}` },
                ],
                securityContext: restrictedContainerSecurity(),
                resources: resources({ cpu: '100m', memory: '128Mi' }, '256Mi'),
                readinessProbe: httpProbe('/readyz', 'http', 5),
                livenessProbe: { ...httpProbe('/healthz', 'http', 10), failureThreshold: 6 },
              },
            ],
          },
        },
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
      metadata: { name: operatorName, labels },
      spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(operatorName) } },
    });

    new k8s.KubeNetworkPolicy(this, 'ingress', {
      metadata: { name: `${operatorName}-ingress`, labels },
      spec: {
        podSelector: { matchLabels: selectorLabels(operatorName) },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: selectorLabels(platform.prometheus.name) } }],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromString('http') }],
          },
        ],
      },
    });
  }
}
