import { describe, expect, it } from 'vitest';
import { buildCharts, chartObjects, type KubeObject } from '../manifests.ts';

// A small evaluator of the NetworkPolicy semantics the charts use (pod selectors
// by matchLabels, namespace selectors, numbered and named TCP ports), so the
// policies are tested as the traffic matrix the design asks for.
interface Pod {
  labels: Record<string, string>;
  namespace?: string;
  /** Named container ports of the destination. */
  ports?: Record<string, number>;
}
interface Selector {
  matchLabels?: Record<string, string>;
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
}
interface PortRule {
  protocol?: string;
  port?: number | string;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PortRule[];
}
interface Policy {
  podSelector: Selector;
  policyTypes: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
}

const matches = (selector: Selector | undefined, labels: Record<string, string>) =>
  Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
const peerMatches = (peer: Peer, pod: Pod) =>
  peer.namespaceSelector === undefined
    ? (pod.namespace ?? 'metrox') === 'metrox' && matches(peer.podSelector, pod.labels)
    : matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': pod.namespace ?? 'metrox' }) && matches(peer.podSelector, pod.labels);
const portMatches = (rule: PortRule, port: number, target: Pod) =>
  typeof rule.port === 'string' ? target.ports?.[rule.port] === port : rule.port === undefined || rule.port === port;

const charts = buildCharts();
const policies = [charts.platform, charts.operator]
  .flatMap((chart) => chartObjects(chart))
  .filter((object: KubeObject) => object.kind === 'NetworkPolicy')
  .map((object) => object.spec as Policy);

function allowed(from: Pod, to: Pod, port: number): boolean {
  const direction = (type: 'Ingress' | 'Egress', subject: Pod, peer: Pod, peerPorts: Pod) => {
    const selecting = policies.filter((policy) => policy.policyTypes.includes(type) && matches(policy.podSelector, subject.labels) && (subject.namespace ?? 'metrox') === 'metrox');
    if (selecting.length === 0) return true;
    return selecting.some((policy) =>
      (type === 'Ingress' ? policy.ingress : policy.egress)?.some(
        (rule) =>
          ((type === 'Ingress' ? rule.from : rule.to) ?? [{}]).some((p) => Object.keys(p).length === 0 || peerMatches(p, peer)) &&
          (rule.ports ?? [{}]).some((p) => portMatches(p, port, peerPorts)),
      ),
    );
  };
  return direction('Egress', from, to, to) && direction('Ingress', to, from, to);
}

const app = (name: string, ports?: Record<string, number>): Pod => ({ labels: { 'app.kubernetes.io/name': name }, ...(ports ? { ports } : {}) });
const service = (name: string, http: number, grpc: number): Pod => ({
  labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'metrox', 'app.kubernetes.io/managed-by': 'metrox-operator' },
  ports: { http, grpc },
});
const transaction = service('transaction', 8080, 50051);
const payment = service('payment', 8081, 50052);
const stranger: Pod = { labels: { app: 'curl' }, namespace: 'elsewhere' };
const prometheus = app('prometheus');
const grafana = app('grafana');

describe('network policies', () => {
  it('let services reach their database, the broker, the collector and each other over gRPC', () => {
    expect(allowed(payment, app('postgres'), 5432)).toBe(true);
    expect(allowed(payment, app('rabbitmq'), 5672)).toBe(true);
    expect(allowed(payment, app('otel-collector'), 4318)).toBe(true);
    expect(allowed(payment, transaction, 50051)).toBe(true);
  });

  it('keep services away from what they do not need', () => {
    expect(allowed(payment, app('rabbitmq'), 15672), 'broker management').toBe(false);
    expect(allowed(payment, transaction, 8080), 'another service\'s HTTP port').toBe(false);
    expect(allowed(payment, grafana, 3000), 'Grafana').toBe(false);
  });

  it('let Prometheus scrape metrics ports and nothing else reach them', () => {
    expect(allowed(prometheus, payment, 8081)).toBe(true);
    expect(allowed(prometheus, app('metrox-operator', { http: 8080 }), 8080)).toBe(true);
    expect(allowed(prometheus, app('rabbitmq'), 15692)).toBe(true);
    expect(allowed(grafana, app('rabbitmq'), 15692)).toBe(false);
    expect(allowed(prometheus, app('jaeger'), 8888), 'Jaeger v2\'s own metrics').toBe(true);
    expect(allowed(app('otel-collector'), app('jaeger'), 8888)).toBe(false);
    expect(allowed(grafana, app('metrox-operator', { http: 8080 }), 8080)).toBe(false);
  });

  it('open only the transaction API to the public', () => {
    expect(allowed(stranger, transaction, 8080)).toBe(true);
    expect(allowed(stranger, transaction, 50051)).toBe(false);
    expect(allowed(stranger, payment, 8081)).toBe(false);
    expect(allowed(stranger, app('postgres'), 5432)).toBe(false);
    expect(allowed(stranger, app('prometheus'), 9090)).toBe(false);
  });

  it('let the operator wire databases and queues, and Grafana read its data sources', () => {
    const operator = app('metrox-operator');
    expect(allowed(operator, app('postgres'), 5432)).toBe(true);
    expect(allowed(operator, app('rabbitmq'), 15672)).toBe(true);
    expect(allowed(grafana, prometheus, 9090)).toBe(true);
    expect(allowed(grafana, app('jaeger'), 16686)).toBe(true);
    expect(allowed(app('otel-collector'), app('jaeger'), 4317)).toBe(true);
  });
});
