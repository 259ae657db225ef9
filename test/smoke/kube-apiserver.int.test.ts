import {
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { waitUntil } from '../support/processes.ts';

const group = 'smoke.metrox.io';
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 1, maximum: 10 },
                  colour: { type: 'string', enum: ['red', 'blue'] },
                },
              },
            },
          },
        },
      },
    ],
  },
};

describe('kube-apiserver is real', () => {
  let cp: ControlPlane;
  let objects: CustomObjectsApi;

  beforeAll(async () => {
    cp = await startControlPlane();
    objects = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    // Sent as raw JSON: client-node's typed CRD model renames keywords such as
    // `enum` (to `_enum`) and would silently drop them from a plain object.
    await objects.createClusterCustomObject({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', body: crd });
    // The new resource is served once the CRD is Established.
    await waitUntil(
      async () => {
        await objects.listNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'widgets' });
        return true;
      },
      30_000,
      () => 'CRD never became served',
    );
  });
  afterAll(async () => {
    await cp.stop();
  });

  const widget = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: `${group}/v1`,
    kind: 'Widget',
    metadata: { name },
    spec,
  });

  const rejection = (spec: Record<string, unknown>) =>
    objects
      .createNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'widgets', body: widget('invalid', spec) })
      .then(
        () => ({ code: 0, message: 'accepted' }),
        (error: unknown) => {
          const { code, body } = error as { code?: number; body?: string };
          return { code, message: (JSON.parse(body ?? '{}') as { message?: string }).message };
        },
      );

  it('rejects a custom resource that violates the CRD schema with the schema\'s message', async () => {
    expect(await rejection({ size: 42 }), 'size 42').toEqual({
      code: 422,
      message: 'Widget.smoke.metrox.io "invalid" is invalid: spec.size: Invalid value: 42: spec.size in body should be less than or equal to 10',
    });
    expect(await rejection({ size: 2, colour: 'green' }), 'colour').toMatchObject({ code: 422, message: expect.stringContaining('spec.colour: Unsupported value: "green": supported values: "red", "blue"') as unknown });
    expect(await rejection({}), 'empty').toMatchObject({ code: 422, message: expect.stringContaining('spec.size: Required value') as unknown });
  });

  it('prunes a field the schema does not know', async () => {
    const created = (await objects.createNamespacedCustomObject({
      group, version: 'v1', namespace: 'default', plural: 'widgets',
      body: widget('pruned', { size: 3, shape: 'round' }),
    })) as { spec: Record<string, unknown> };
    expect(created.spec).toEqual({ size: 3 });
  });

  it('refuses a ServiceAccount what its Role does not grant', async () => {
    const namespace = 'rbac-smoke';
    const sa = await cp.serviceAccountKubeConfig(namespace, 'reader');
    const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: 'configmap-reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    const core = sa.makeApiClient(CoreV1Api);
    await expect(core.listNamespacedConfigMap({ namespace })).resolves.toBeDefined();
    const forbidden = core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'nope' } } });
    await expect(forbidden).rejects.toMatchObject({ code: 403 });
    await expect(core.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });
  });
});
