// The operator keeps working across a restart of the real kube-apiserver (same
// port, same etcd): its informers come back, a MetroXService created after the
// restart converges, and an edit made to a child while the operator could not
// watch is reverted.
//
// A control plane of its own: the test stops its API server, which every suite on
// the shared one would feel.
import { AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ControlPlane } from '@metrox/test/control-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion, kind } from '../api/metroxservice.ts';
import { type mxsClient, waitFor } from '../testing/kube.ts';
import { privateOperatorTestbed, startOperator, type OperatorProcess } from '../testing/operator-process.ts';

const namespace = 'restart';

describe('the operator across an API server restart', () => {
  let cp: ControlPlane;
  let operator: OperatorProcess;
  let mxs: ReturnType<typeof mxsClient>;
  let apps: AppsV1Api;

  beforeAll(async () => {
    let kubeconfig: string;
    ({ cp, mxs, kubeconfig } = await privateOperatorTestbed([namespace]));
    apps = cp.kubeConfig.makeApiClient(AppsV1Api);
    // The restart takes longer than the default renew deadline on a busy machine; a
    // leader that cannot renew for that long would (rightly) exit, which is not what this tests.
    operator = await startOperator(kubeconfig, { METROX_LEASE_DURATION_SECONDS: '120', METROX_RENEW_DEADLINE_SECONDS: '110' });
  });
  afterAll(async () => {
    await operator.stop();
    await cp.stop();
  });

  const converged = (name: string, timeoutMs = 30_000) =>
    waitFor(`${name} to be reconciled`, async () => {
      const current = await mxs.get(namespace, name);
      return current.status?.observedGeneration === current.metadata.generation ? current : undefined;
    }, timeoutMs);
  const image = async (name: string) => (await apps.readNamespacedDeployment({ namespace, name })).spec?.template.spec?.containers[0]?.image;

  it('recovers its informers: reverts an edit made during the outage and converges a new resource', async () => {
    await mxs.create(namespace, { apiVersion, kind, metadata: { name: 'before' }, spec: { image: 'ghcr.io/metrox/before:1.0.0' } });
    await converged('before');

    await cp.restartApiServer({ downMs: 2000 });
    // The operator's watches are down and backing off: edit a managed field now.
    await apps.patchNamespacedDeployment(
      { namespace, name: 'before', fieldManager: 'kubectl-edit', body: { spec: { template: { spec: { containers: [{ name: 'service', image: 'evil:latest' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await mxs.create(namespace, { apiVersion, kind, metadata: { name: 'after' }, spec: { image: 'ghcr.io/metrox/after:1.0.0' } });

    await waitFor('the edit to be reverted', async () => (await image('before')) === 'ghcr.io/metrox/before:1.0.0', 90_000);
    await converged('after', 90_000);
    expect(await image('after')).toBe('ghcr.io/metrox/after:1.0.0');
    expect(operator.child.exitCode, operator.log()).toBeNull();
    expect(operator.log()).toContain('watch failed; restarting with backoff');
  });
});
