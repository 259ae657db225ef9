// The peers the charts declare reach the services that call them: the address the
// operator renders from a MetroXService's spec.peers names the peer's in-cluster Service
// and its own gRPC port. (No service of the fleet calls another synchronously today:
// Notification's look-ups into Transaction became facts carried in TransactionCompleted.)
import { describe, expect, it } from 'vitest';
import { services } from '../../charts/metrox.config.ts';
import { withDefaults } from '../../operator/src/api/defaults.ts';
import { apiVersion, kind, peerAddressVariable, type MetroXService } from '../../operator/src/api/metroxservice.ts';
import { renderWorkload } from '../../operator/src/render/workload.ts';

function renderedEnv(name: keyof typeof services): Record<string, string> {
  const mxs: MetroXService = { apiVersion, kind, metadata: { name, namespace: 'metrox' }, spec: withDefaults({ image: `img/${name}`, ...services[name] }) };
  const context = { otlpEndpoint: 'http://collector:4318', databaseSecret: undefined, broker: undefined, serviceMonitors: false };
  const deployment = renderWorkload(mxs, context).find((object) => object.kind === 'Deployment') as
    | { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }
    | undefined;
  return Object.fromEntries((deployment?.spec.template.spec.containers[0]?.env ?? []).flatMap((v) => (v.value === undefined ? [] : [[v.name, v.value]])));
}

describe('gRPC peers of the charts\' services', () => {
  it('name each peer\'s own gRPC port', () => {
    for (const [name, settings] of Object.entries(services)) {
      for (const peer of settings.peers ?? []) {
        expect(services[peer.name as keyof typeof services].ports?.grpc, `${name} → ${peer.name}`).toBe(peer.port);
      }
    }
  });

  it('render each declared peer as the in-cluster Service address its caller reads', () => {
    for (const [name, settings] of Object.entries(services)) {
      const env = renderedEnv(name as keyof typeof services);
      for (const peer of settings.peers ?? []) expect(env[peerAddressVariable(peer.name)], `${name} → ${peer.name}`).toBe(`${peer.name}.metrox.svc:${String(peer.port)}`);
    }
  });
});
