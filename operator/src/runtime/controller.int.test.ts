// The runtime driving a controller that is not the MetroX one, against a real API
// server: each labelled ServiceAccount gets a ConfigMap naming it. Shows the
// runtime stands on its own, and checks the echo predicate, owner mapping and a
// resync from the caches. It works in a namespace of its own on the run's shared
// control plane.
import { CoreV1Api } from '@kubernetes/client-node';
import { sharedControlPlane, uniqueNamespace, type TestNamespace } from '@metrox/test/shared-control-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/kube.ts';
import { Controller } from './controller.ts';
import { KubeClient, connectionFromKubeconfig } from './kube-client.ts';
import { builtinKinds, collectionPath, type KubeObject } from './resources.ts';

const managedBy = { 'app.kubernetes.io/managed-by': 'copy-controller' };

describe('a controller built on the runtime', () => {
  let scope: TestNamespace;
  let namespace: string;
  let core: CoreV1Api;
  let client: KubeClient;
  let controller: Controller;
  const reconciled: string[] = [];

  beforeAll(async () => {
    const cp = sharedControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    scope = await uniqueNamespace(cp, 'runtime');
    namespace = scope.name;
    client = new KubeClient(connectionFromKubeconfig(cp.kubeconfigPath));
    controller = new Controller({
      name: 'copy',
      client,
      primary: builtinKinds.ServiceAccount,
      primaryLabelSelector: 'example.com/copy=yes',
      namespace,
      watches: [{ kind: builtinKinds.ConfigMap, labelSelector: 'app.kubernetes.io/managed-by=copy-controller' }],
      log: () => undefined,
      async reconcile(key, context) {
        reconciled.push(key);
        const [ns = '', name = ''] = key.split('/');
        const account = context.get(builtinKinds.ServiceAccount, ns, name);
        if (account === undefined || context.get(builtinKinds.ConfigMap, ns, `${name}-copy`) !== undefined) return undefined;
        const copy = {
          apiVersion: 'v1', kind: 'ConfigMap',
          metadata: { name: `${name}-copy`, namespace: ns, labels: managedBy, ownerReferences: [{ apiVersion: 'v1', kind: 'ServiceAccount', name, uid: account.metadata.uid, controller: true }] },
          data: { from: name },
        };
        await context.write(builtinKinds.ConfigMap, ns, copy.metadata.name, () => client.create(collectionPath(builtinKinds.ConfigMap, ns), copy, 'copy-controller'));
        return undefined;
      },
    });
    await controller.start();
    await waitFor('the workers', () => Promise.resolve(controller.working));
  });
  afterAll(async () => {
    await controller.stop();
    client.close();
    await scope.delete();
  });

  const copyOf = (name: string) => waitFor(`${name}-copy`, () => core.readNamespacedConfigMap({ namespace, name: `${name}-copy` }).catch(() => undefined));

  it('reconciles a new object once: the watch echo of its own create does not queue it again', async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'alpha', labels: { 'example.com/copy': 'yes' } } } });
    expect((await copyOf('alpha')).data).toEqual({ from: 'alpha' });
    await waitFor('the copy in the cache', () => Promise.resolve(controller.cache(builtinKinds.ConfigMap)?.get(namespace, 'alpha-copy') !== undefined));
    expect(reconciled.filter((key) => key === `${namespace}/alpha`)).toEqual([`${namespace}/alpha`]);
  });

  it('queues the controller owner when somebody else deletes its child, and the child comes back', async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'beta', labels: { 'example.com/copy': 'yes' } } } });
    const first = await copyOf('beta');
    await waitFor('the copy in the cache', () => Promise.resolve(controller.cache(builtinKinds.ConfigMap)?.get(namespace, 'beta-copy') !== undefined));
    await core.deleteNamespacedConfigMap({ namespace, name: 'beta-copy' });
    const again = await waitFor('a new beta-copy', async () => {
      const current = await core.readNamespacedConfigMap({ namespace, name: 'beta-copy' }).catch(() => undefined);
      return current !== undefined && current.metadata?.uid !== first.metadata?.uid ? current : undefined;
    });
    expect(again.data).toEqual({ from: 'beta' });
  });

  it('ignores objects outside its label selector', async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'gamma' } } });
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'delta', labels: { 'example.com/copy': 'yes' } } } });
    await copyOf('delta');
    expect(controller.cache(builtinKinds.ServiceAccount)?.get(namespace, 'gamma')).toBeUndefined();
    expect(reconciled).not.toContain(`${namespace}/gamma`);
  });

  it('resyncs every cached object from the caches, sending no request', async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'epsilon', labels: { 'example.com/copy': 'yes' } } } });
    await copyOf('epsilon');
    await waitFor('the copy in the cache', () => Promise.resolve(controller.cache(builtinKinds.ConfigMap)?.get(namespace, 'epsilon-copy') !== undefined));
    const accounts = (controller.cache(builtinKinds.ServiceAccount)?.list() ?? []).map((a: KubeObject) => `${namespace}/${a.metadata.name}`);
    const requests = new Map(client.requests);
    const before = reconciled.length;
    controller.requeueAll();
    await waitFor('a reconcile of each', () => Promise.resolve(reconciled.length >= before + accounts.length));
    expect(reconciled.slice(before).sort()).toEqual(accounts.sort());
    expect(client.requests).toEqual(requests);
  });
});
