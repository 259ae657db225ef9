import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCluster, type LocalCluster } from '../support/local-cluster.ts';
import { waitUntil } from '../support/processes.ts';

describe('the local cluster behaves like a cluster', () => {
  let cluster: LocalCluster;
  let apps: AppsV1Api;
  const namespace = `smoke-${Date.now()}`;

  beforeAll(async () => {
    cluster = localCluster();
    apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await cluster.kubectl('delete', 'namespace', namespace, '--wait=false');
  });

  it('shows Ready nodes to kubectl', async () => {
    const out = await cluster.kubectl('get', 'nodes', '--no-headers');
    const ready = out.split('\n').filter((line) => /\sReady\s/.test(line));
    expect(ready.length).toBeGreaterThanOrEqual(1);
  });

  it('rolls a 3-replica Deployment out and garbage-collects its ReplicaSet when it is deleted', async () => {
    const labels = { app: 'smoke-web' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'smoke-web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    });
    await waitUntil(
      async () => (await apps.readNamespacedDeployment({ namespace, name: 'smoke-web' })).status?.readyReplicas === 3,
      60_000,
      () => 'Deployment smoke-web never reached readyReplicas: 3',
    );
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=smoke-web' });
    expect(replicaSets.items).toHaveLength(1);
    expect(replicaSets.items[0]?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'smoke-web' });

    await apps.deleteNamespacedDeployment({ namespace, name: 'smoke-web' });
    await waitUntil(
      async () => (await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=smoke-web' })).items.length === 0,
      60_000,
      () => 'the ReplicaSet of a deleted Deployment was never garbage-collected',
    );
  });
});
