import { describe, expect, it } from 'vitest';
import { withDefaults } from '../api/defaults.ts';
import { apiVersion, kind, type MetroXService, type MetroXServiceSpecInput } from '../api/metroxservice.ts';
import { renderChildren, type RenderContext } from './index.ts';

const context: RenderContext = { otlpEndpoint: 'http://collector:4318', databaseSecret: undefined, broker: undefined, brokerServiceUrl: undefined, serviceMonitors: true, cipherImage: undefined };

function render(spec: MetroXServiceSpecInput, ctx: RenderContext = context) {
  const mxs: MetroXService = { apiVersion, kind, metadata: { name: 'payment', namespace: 'metrox', uid: 'u-1' }, spec: withDefaults(spec) };
  const objects = renderChildren(mxs, ctx);
  const of = (k: string) => objects.find((o) => o.kind === k) as { spec: Record<string, unknown>; metadata: { annotations?: Record<string, string> } } | undefined;
  return { serviceMonitor: of('ServiceMonitor'), service: of('Service'), deployment: of('Deployment') };
}

const cipherOn = { image: 'ghcr.io/metrox/payment:1.0.0', cipher: { enabled: true, keySecretName: 'payment-cipher-keys' } };

describe('the ServiceMonitor', () => {
  it('scrapes the service\'s http port', () => {
    const { serviceMonitor } = render({ image: 'ghcr.io/metrox/payment:1.0.0' });
    expect(serviceMonitor?.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s' }]);
  });

  it('scrapes the cipher sidecar through a second endpoint and Service port', () => {
    const { serviceMonitor, service, deployment } = render(cipherOn);
    expect(serviceMonitor?.spec.endpoints).toEqual([
      { port: 'http', path: '/metrics', interval: '15s' },
      { port: 'cipher-metrics', path: '/metrics', interval: '15s' },
    ]);
    expect(service?.spec.ports).toContainEqual({ name: 'cipher-metrics', port: 9465, targetPort: 9465 });
    // No scrape annotations when the Prometheus Operator scrapes.
    const template = (deployment?.spec.template as { metadata: { annotations?: Record<string, string> } }).metadata;
    expect(template.annotations?.['metrox.io/sidecar-metrics-port']).toBeUndefined();
  });

  it('is not rendered without the Prometheus Operator; the sidecar port stays off the Service', () => {
    const { serviceMonitor, service } = render(cipherOn, { ...context, serviceMonitors: false });
    expect(serviceMonitor).toBeUndefined();
    expect((service?.spec.ports as { name: string }[]).map((p) => p.name)).toEqual(['http']);
  });
});
