// NetworkPolicies: nothing reaches a Pod in the namespace unless a rule below says
// the design needs it. Services talk to the broker, their database and the
// collector (and each other over gRPC); Prometheus scrapes metrics ports; only the
// transaction API is public. The operator's own policy ships with the operator chart.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { operatorName, platform, selectorLabels, servicePodLabels } from '../support/names.ts';

type Peer = k8s.NetworkPolicyPeer;
type Port = k8s.NetworkPolicyPort;

const pods = (labels: Record<string, string>): Peer => ({ podSelector: { matchLabels: labels } });
const app = (name: string): Peer => pods(selectorLabels(name));
const metroxServices: Peer = pods(servicePodLabels);
const operator: Peer = app(operatorName);
const prometheus: Peer = app(platform.prometheus.name);
const tcp = (port: number | string): Port => ({
  protocol: 'TCP',
  port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port),
});

/** The named container ports the operator gives a MetroX service's container. */
export const servicePortNames = { http: 'http', grpc: 'grpc', cipherMetrics: 'cipher-metrics' } as const;

export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const policy = (name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, name, { metadata: { name, labels: { 'app.kubernetes.io/part-of': 'metrox' } }, spec });
    const ingressTo = (target: string, rules: k8s.NetworkPolicyIngressRule[]) =>
      policy(`${target}-ingress`, { podSelector: { matchLabels: selectorLabels(target) }, policyTypes: ['Ingress'], ingress: rules });

    policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });

    const { postgres, rabbitmq, otelCollector, jaeger, grafana } = platform;
    ingressTo(postgres.name, [{ from: [metroxServices, operator], ports: [tcp(postgres.port)] }]);
    ingressTo(rabbitmq.name, [
      { from: [metroxServices, operator], ports: [tcp(rabbitmq.amqpPort)] },
      { from: [operator], ports: [tcp(rabbitmq.managementPort)] },
      { from: [prometheus], ports: [tcp(rabbitmq.metricsPort)] },
    ]);
    ingressTo(otelCollector.name, [
      { from: [metroxServices, operator], ports: [tcp(otelCollector.otlpGrpcPort), tcp(otelCollector.otlpHttpPort)] },
      { from: [prometheus], ports: [tcp(otelCollector.metricsPort), tcp(otelCollector.selfMetricsPort)] },
    ]);
    ingressTo(jaeger.name, [
      { from: [app(otelCollector.name)], ports: [tcp(jaeger.otlpGrpcPort)] },
      { from: [app(grafana.name)], ports: [tcp(jaeger.uiPort)] },
      { from: [prometheus], ports: [tcp(jaeger.metricsPort)] },
    ]);
    ingressTo(platform.prometheus.name, [{ from: [app(grafana.name), app(jaeger.name)], ports: [tcp(platform.prometheus.port)] }]);
    ingressTo(platform.alertmanager.name, [{ from: [prometheus, app(grafana.name)], ports: [tcp(platform.alertmanager.port)] }]);

    policy('metrox-services-ingress', {
      podSelector: { matchLabels: servicePodLabels },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [prometheus], ports: [tcp(servicePortNames.http), tcp(servicePortNames.cipherMetrics)] },
        { from: [metroxServices], ports: [tcp(servicePortNames.grpc)] },
      ],
    });
    // The rider-facing API: reachable from anywhere (an Ingress or a port-forward).
    policy('transaction-public-ingress', {
      podSelector: { matchLabels: { ...servicePodLabels, ...selectorLabels('transaction') } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [tcp(servicePortNames.http)] }],
    });

    policy('metrox-services-egress', {
      podSelector: { matchLabels: servicePodLabels },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, tcp(53)],
        },
        { to: [app(postgres.name)], ports: [tcp(postgres.port)] },
        { to: [app(rabbitmq.name)], ports: [tcp(rabbitmq.amqpPort)] },
        { to: [app(otelCollector.name)], ports: [tcp(otelCollector.otlpGrpcPort), tcp(otelCollector.otlpHttpPort)] },
        { to: [metroxServices], ports: [tcp(servicePortNames.grpc)] },
      ],
    });
  }
}
