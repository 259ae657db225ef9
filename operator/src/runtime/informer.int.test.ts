// The informer against a real API server that is restarted under it: the watch
// resumes or, when its resourceVersion fell out of the new server's window
// (410 Gone), relists, and the cache keeps following the server.
//
// A control plane of its own: the test restarts its API server, which every suite on
// the shared one would feel.
import { CoreV1Api } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '@metrox/test/control-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/kube.ts';
import { digest } from './cache-shape.ts';
import { Informer } from './informer.ts';
import { KubeClient, connectionFromKubeconfig } from './kube-client.ts';
import { builtinKinds } from './resources.ts';

const namespace = 'informer';

describe('the informer survives an API server restart', () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let core: CoreV1Api;
  let informer: Informer;
  const changes: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    client = new KubeClient(connectionFromKubeconfig(cp.kubeconfigPath));
    informer = new Informer(client, builtinKinds.ConfigMap, {
      namespace,
      onChange: (object, deleted) => changes.push(`${deleted ? 'deleted' : 'changed'} ${object.metadata.name}`),
      onError: (error) => errors.push(String(error)),
    });
    informer.start();
    await waitFor('the first list', () => Promise.resolve(informer.synced));
  });
  afterAll(async () => {
    await informer.stop();
    client.close();
    await cp.stop();
  });

  it('relists on 410 Gone after the restart and sees what changed while the server was down', async () => {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'kept' }, data: { v: '1' } } });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'doomed' } } });
    await waitFor('both ConfigMaps in the cache', () => Promise.resolve(informer.get(namespace, 'doomed') !== undefined));
    expect(informer.relists).toBe(1);

    await cp.restartApiServer({ downMs: 1000 });
    // The informer is backing off from refused connections: change things behind its back.
    await core.patchNamespacedConfigMap({ namespace, name: 'kept', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
    await core.deleteNamespacedConfigMap({ namespace, name: 'doomed' });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'new' } } });

    // (The cache holds ConfigMap values as digests.)
    await waitFor('the cache to follow the restarted server', () => Promise.resolve(
      informer.get(namespace, 'new') !== undefined && informer.get(namespace, 'doomed') === undefined && (informer.get(namespace, 'kept')?.data as { v?: string } | undefined)?.v === digest('2'),
    ), 45_000);
    expect(errors.length).toBeGreaterThan(0);
    // The new server's watch cache starts at its own resourceVersion: resuming from the old one is 410 Gone.
    expect(informer.relists).toBe(2);
    expect(changes).toContain('deleted doomed');

    // And it keeps watching after the relist.
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'later' } } });
    await waitFor('a ConfigMap created after the relist', () => Promise.resolve(informer.get(namespace, 'later') !== undefined));
  });
});
