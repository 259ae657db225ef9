// ServiceMonitors follow the Prometheus Operator: installed after the operator
// started, its CRD turns scrape annotations into ServiceMonitors (with the cipher
// sidecar as a second endpoint); removed, the annotations come back.
//
// A control plane of its own: installing and removing the ServiceMonitor CRD, and
// editing the operator's ClusterRole, change what every operator on a cluster does.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { ControlPlane } from '@metrox/test/control-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion, kind } from '../api/metroxservice.ts';
import { mxsClient, waitFor } from '../testing/kube.ts';
import { privateOperatorTestbed, startOperator, type OperatorProcess } from '../testing/operator-process.ts';

const namespace = 'monitoring';

/** The ServiceMonitor CRD as far as the API server needs it: its name, group and a served v1. */
const serviceMonitorCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: { plural: 'servicemonitors', singular: 'servicemonitor', kind: 'ServiceMonitor', listKind: 'ServiceMonitorList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

interface ServiceMonitor { spec: { endpoints: { port: string; path: string }[]; selector: unknown }; metadata: { ownerReferences?: { uid: string }[] } }

describe('ServiceMonitors follow the Prometheus Operator CRD', () => {
  let cp: ControlPlane;
  let operator: OperatorProcess;
  let objects: CustomObjectsApi;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let kubeconfig: string;

  beforeAll(async () => {
    ({ cp, core, kubeconfig } = await privateOperatorTestbed([namespace]));
    apps = cp.kubeConfig.makeApiClient(AppsV1Api);
    objects = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    operator = await startOperator(kubeconfig);
  });
  afterAll(async () => {
    await operator.stop();
    await cp.stop();
  });

  const podAnnotations = async () => (await apps.readNamespacedDeployment({ namespace, name: 'payment' })).spec?.template.metadata?.annotations ?? {};
  const readServiceMonitor = () => objects.getNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', namespace, plural: 'servicemonitors', name: 'payment' }) as Promise<ServiceMonitor>;

  it('renders a ServiceMonitor with the sidecar endpoint once the CRD is installed, and annotations once it is gone', async () => {
    const mxs = mxsClient(cp.kubeConfig);
    const created = await mxs.create(namespace, { apiVersion, kind, metadata: { name: 'payment' }, spec: { image: 'ghcr.io/metrox/payment:1.0.0', cipher: { enabled: true, keySecretName: 'payment-cipher-keys' } } });
    await waitFor('scrape annotations', async () => (await podAnnotations())['prometheus.io/scrape'] === 'true');
    expect(await podAnnotations()).toMatchObject({ 'metrox.io/sidecar-metrics-port': '9465' });

    await objects.createClusterCustomObject({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', body: serviceMonitorCrd });
    const monitor = await waitFor('a ServiceMonitor', () => readServiceMonitor().catch(() => undefined), 45_000);
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({ port: 'http', path: '/metrics' }),
      expect.objectContaining({ port: 'cipher-metrics', path: '/metrics' }),
    ]);
    expect(monitor.metadata.ownerReferences?.[0]?.uid).toBe(created.metadata.uid);
    const service = await waitFor('the sidecar port on the Service', async () => {
      const s = await core.readNamespacedService({ namespace, name: 'payment' });
      return s.spec?.ports?.some((p) => p.name === 'cipher-metrics' && p.port === 9465) === true ? s : undefined;
    });
    expect(service.spec?.ports?.map((p) => p.name)).toEqual(['http', 'cipher-metrics']);
    await waitFor('scrape annotations dropped', async () => (await podAnnotations())['prometheus.io/scrape'] === undefined);

    await objects.deleteClusterCustomObject({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', name: serviceMonitorCrd.metadata.name });
    await waitFor('scrape annotations back', async () => (await podAnnotations())['prometheus.io/scrape'] === 'true', 45_000);
    await waitFor('the sidecar port off the Service', async () => (await core.readNamespacedService({ namespace, name: 'payment' })).spec?.ports?.length === 1);
    expect(operator.log()).toContain('ServiceMonitor API gone');
  });

  it('works on with scrape annotations when its ClusterRole predates the CRD rule', async () => {
    const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readClusterRole({ name: 'metrox-operator' });
    const rules = role.rules ?? [];
    await operator.stop();
    role.rules = rules.filter((r) => !(r.apiGroups ?? []).includes('apiextensions.k8s.io'));
    await rbac.replaceClusterRole({ name: 'metrox-operator', body: role });
    try {
      operator = await startOperator(kubeconfig);
      const mxs = mxsClient(cp.kubeConfig);
      await mxs.create(namespace, { apiVersion, kind, metadata: { name: 'older-rbac' }, spec: { image: 'ghcr.io/metrox/older:1.0.0' } });
      await waitFor('older-rbac reconciled', async () => {
        const current = await mxs.get(namespace, 'older-rbac');
        return current.status?.observedGeneration === current.metadata.generation;
      }, 45_000);
      const template = (await apps.readNamespacedDeployment({ namespace, name: 'older-rbac' })).spec?.template.metadata?.annotations ?? {};
      expect(template['prometheus.io/scrape']).toBe('true');
      expect(operator.log()).toContain('may not read the ServiceMonitor CRD');
    } finally {
      const current = await rbac.readClusterRole({ name: 'metrox-operator' });
      current.rules = rules;
      await rbac.replaceClusterRole({ name: 'metrox-operator', body: current });
    }
  });
});
