import { AppsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ControlPlaneAccess } from '@metrox/test/control-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion, kind, type MetroXService } from '../api/metroxservice.ts';
import { eventsAbout, type mxsClient, waitFor } from '../testing/kube.ts';
import { operatorTestbed, type OperatorProcess, type OperatorTestbed } from '../testing/operator-process.ts';

/** The suite's namespace on the shared control plane (uniquely named). */
let namespace: string;

/** Write requests the API server itself recorded (its audit log) in this suite's namespace, Leases and Events aside, as `verb resource/subresource by user`. */
function writes(cp: ControlPlaneAccess): string[] {
  return cp.auditedRequests()
    .filter((r) => r.namespace === namespace && !['leases', 'events'].includes(r.resource))
    .map((r) => `${r.verb} ${r.resource}${r.subresource === '' ? '' : `/${r.subresource}`} by ${r.user}`);
}

/** Every operator of the suite runs with the same settings: another would render other children. */
const operatorSettings = { METROX_OTLP_ENDPOINT: 'http://collector:4318' };

describe('the operator reconciles MetroXServices on a real API server', () => {
  let testbed: OperatorTestbed;
  let cp: ControlPlaneAccess;
  let operator: OperatorProcess;
  let mxs: ReturnType<typeof mxsClient>;
  let apps: AppsV1Api;
  let core: CoreV1Api;

  beforeAll(async () => {
    testbed = await operatorTestbed('shop');
    ({ cp, core, mxs, namespace } = testbed);
    apps = cp.kubeConfig.makeApiClient(AppsV1Api);
    operator = await testbed.startOperator(operatorSettings);
  });
  afterAll(async () => {
    await operator.stop();
    await testbed.close();
  });

  const converged = (name: string) =>
    waitFor(`${name} to be reconciled`, async () => {
      const current = await mxs.get(namespace, name);
      return current.status?.observedGeneration === current.metadata.generation ? current : undefined;
    });

  /** Creates a MetroXService of its own for a test and waits until it is reconciled. */
  async function convergedService(name: string, spec: Partial<MetroXService['spec']> = {}): Promise<MetroXService> {
    await mxs.create(namespace, { apiVersion, kind, metadata: { name }, spec: { image: `ghcr.io/metrox/${name}:1.0.0`, ...spec } });
    return converged(name);
  }

  it('creates every child with owner references, the expected content and conditions', async () => {
    await mxs.create(namespace, {
      apiVersion, kind, metadata: { name: 'payment' },
      spec: { image: 'ghcr.io/metrox/payment:1.0.0', replicas: 2, ports: { http: 8080, grpc: 50051 }, env: [{ name: 'GATEWAY_FAILURE_RATE', value: '0.1' }], events: { publishes: ['PaymentConfirmed'], subscribes: ['TransactionCreated'] }, observability: { logLevel: 'debug', tracing: { samplingRatio: 0.25 } } },
    });
    const current = await converged('payment');
    const uid = current.metadata.uid;
    const deployment = await apps.readNamespacedDeployment({ namespace, name: 'payment' });
    expect(deployment.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'MetroXService', name: 'payment', uid, controller: true })]);
    expect(deployment.spec?.replicas).toBe(2);
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    expect(container?.image).toBe('ghcr.io/metrox/payment:1.0.0');
    expect(container?.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container?.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      OTEL_SERVICE_NAME: 'payment',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      LOG_LEVEL: 'debug',
      GATEWAY_FAILURE_RATE: '0.1',
      POD_NAMESPACE: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
    });
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toContain('k8s.pod.name=$(POD_NAME)');
    const service = await core.readNamespacedService({ namespace, name: 'payment' });
    expect(service.spec?.ports?.map((p) => p.port)).toEqual([8080, 50051]);
    expect(service.metadata?.ownerReferences?.[0]?.uid).toBe(uid);
    await expect(core.readNamespacedServiceAccount({ namespace, name: 'payment' })).resolves.toBeDefined();
    const dashboard = await core.readNamespacedConfigMap({ namespace, name: 'payment-dashboard' });
    expect(dashboard.metadata?.labels?.grafana_dashboard).toBe('1');
    expect(Object.values(dashboard.data ?? {})[0]).toContain('metrox_outbox_pending');
    // No Prometheus Operator here: the SLO rules are a ConfigMap for the platform Prometheus' rule sidecar.
    const sloRules = await core.readNamespacedConfigMap({ namespace, name: 'payment-slo-rules' });
    expect(sloRules.metadata?.labels?.prometheus_rule).toBe('1');
    expect(sloRules.metadata?.ownerReferences?.[0]?.uid).toBe(uid);
    expect(Object.values(sloRules.data ?? {})[0]).toContain('alert: MetroXErrorBudgetBurn');
    const pdb = await cp.kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'policy', version: 'v1', namespace, plural: 'poddisruptionbudgets', name: 'payment' }) as { metadata: { ownerReferences: { uid: string }[] } };
    expect(pdb.metadata.ownerReferences[0]?.uid).toBe(uid);

    const conditions = Object.fromEntries((current.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conditions.Available).toMatchObject({ status: 'False', observedGeneration: current.metadata.generation });
    expect(conditions.DashboardReady).toMatchObject({ status: 'True', reason: 'DashboardProvisioned' });
    expect(conditions.BrokerReady).toMatchObject({ status: 'False', reason: 'BrokerNotConfigured', message: expect.stringContaining('METROX_AMQP_ADMIN_URL') as unknown });
    expect(conditions.Ready?.status).toBe('False');
    expect(current.status?.selector).toBe('app.kubernetes.io/name=payment,app.kubernetes.io/instance=payment');
  });

  it('runs the cipher helper as a native sidecar with the keys mounted into it alone', async () => {
    await mxs.create(namespace, {
      apiVersion, kind, metadata: { name: 'ledger' },
      spec: { image: 'ghcr.io/metrox/ledger:1.0.0', cipher: { enabled: true, keySecretName: 'ledger-cipher-keys' } },
    });
    await converged('ledger');
    const pod = (await apps.readNamespacedDeployment({ namespace, name: 'ledger' })).spec?.template.spec;
    const sidecar = pod?.initContainers?.[0];
    expect(pod?.initContainers).toHaveLength(1);
    expect(sidecar).toMatchObject({
      name: 'cipher',
      image: 'ghcr.io/metrox/cipher:0.1.0',
      restartPolicy: 'Always',
      readinessProbe: { httpGet: { path: '/readyz', port: 9465 } },
      livenessProbe: { httpGet: { path: '/healthz', port: 9465 } },
      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      volumeMounts: [{ name: 'cipher-keys', mountPath: '/var/run/secrets/metrox/cipher', readOnly: true }],
    });
    expect(pod?.volumes).toEqual([{ name: 'cipher-keys', secret: { secretName: 'ledger-cipher-keys', defaultMode: 0o440 } }]);
    const app = pod?.containers[0];
    expect(app?.volumeMounts).toBeUndefined();
    expect(app?.env).toContainEqual({ name: 'CIPHER_ADDR', value: '127.0.0.1:7400' });
  });

  it('reports Ready once the Deployment is available', async () => {
    await mxs.create(namespace, { apiVersion, kind, metadata: { name: 'notification' }, spec: { image: 'ghcr.io/metrox/notification:1.0.0' } });
    await converged('notification');
    // No kube-controller-manager here: play the Deployment controller's part.
    await apps.patchNamespacedDeploymentStatus(
      { namespace, name: 'notification', body: { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok' }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const ready = await waitFor('Ready=True', async () => {
      const current = await mxs.get(namespace, 'notification');
      return current.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? current : undefined;
    });
    expect(ready.status).toMatchObject({ replicas: 1, readyReplicas: 1 });
    // A rollout in progress is no news: the Events come when it becomes available.
    const recorded = await waitFor('two Events about notification', async () => {
      const about = await eventsAbout(cp.kubeConfig, namespace, 'notification');
      return about.length >= 2 ? about : undefined;
    });
    expect(recorded.map((e) => [e.type, e.reason, e.note?.split(':')[0], e.reportingController, e.regarding?.uid]).sort()).toEqual([
      ['Normal', 'MinimumReplicasAvailable', 'Available=True', 'metrox.io/operator', ready.metadata.uid],
      ['Normal', 'Reconciled', 'Ready=True', 'metrox.io/operator', ready.metadata.uid],
    ]);
  });

  it('scales the Deployment through the scale subresource', async () => {
    await convergedService('scaled', { replicas: 2 });
    const objects = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    await objects.patchNamespacedCustomObjectScale(
      { group: 'metrox.io', version: 'v1alpha1', namespace, plural: 'metroxservices', name: 'scaled', body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor('Deployment at 5 replicas', async () => (await apps.readNamespacedDeployment({ namespace, name: 'scaled' })).spec?.replicas === 5);
  });

  it('rolls the Deployment to a new image', async () => {
    await convergedService('rolled');
    await mxs.patch(namespace, 'rolled', [{ op: 'replace', path: '/spec/image', value: 'ghcr.io/metrox/rolled:1.1.0' }]);
    await waitFor('new image', async () => (await apps.readNamespacedDeployment({ namespace, name: 'rolled' })).spec?.template.spec?.containers[0]?.image === 'ghcr.io/metrox/rolled:1.1.0');
  });

  it('removes a field dropped from the render from a child it created', async () => {
    await convergedService('trimmed', { env: [{ name: 'GATEWAY_FAILURE_RATE', value: '0.1' }] });
    await mxs.patch(namespace, 'trimmed', [{ op: 'remove', path: '/spec/env' }]);
    const deployment = await waitFor('GATEWAY_FAILURE_RATE gone', async () => {
      const d = await apps.readNamespacedDeployment({ namespace, name: 'trimmed' });
      return d.spec?.template.spec?.containers[0]?.env?.some((e) => e.name === 'GATEWAY_FAILURE_RATE') === false ? d : undefined;
    });
    // The create's "Update" ownership was handed to the operator's "Apply" entry.
    const ours = (deployment.metadata?.managedFields ?? []).filter((m) => m.manager === 'metrox-operator' && m.subresource === undefined);
    expect(ours.map((m) => m.operation)).toEqual(['Apply']);
  });

  it('deletes the SLO rules ConfigMap when spec.slo.enabled turns false, as the operator\'s ServiceAccount', async () => {
    await mxs.create(namespace, { apiVersion, kind, metadata: { name: 'quiet' }, spec: { image: 'ghcr.io/metrox/quiet:1.0.0' } });
    await waitFor('the rules ConfigMap', () => core.readNamespacedConfigMap({ namespace, name: 'quiet-slo-rules' }).catch(() => undefined));
    await mxs.patch(namespace, 'quiet', [{ op: 'add', path: '/spec/slo/enabled', value: false }]);
    await waitFor('the rules ConfigMap to be deleted', async () =>
      (await core.readNamespacedConfigMap({ namespace, name: 'quiet-slo-rules' }).then(() => false, (error: unknown) => (error as { code?: number }).code === 404)) || undefined,
    );
    await mxs.delete(namespace, 'quiet');
  });

  it('reverts a manual edit of a managed field and keeps a field owned by another manager', async () => {
    await convergedService('edited');
    await apps.patchNamespacedDeployment(
      { namespace, name: 'edited', fieldManager: 'kubectl-edit', body: { metadata: { annotations: { 'team.example/owner': 'payments' } }, spec: { template: { spec: { containers: [{ name: 'service', image: 'evil:latest' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const reverted = await waitFor('image reverted', async () => {
      const d = await apps.readNamespacedDeployment({ namespace, name: 'edited' });
      return d.spec?.template.spec?.containers[0]?.image === 'ghcr.io/metrox/edited:1.0.0' ? d : undefined;
    });
    expect(reverted.metadata?.annotations?.['team.example/owner']).toBe('payments');
  });

  it('points the autoscaler at the MetroXService and carries its scale to the Deployment', async () => {
    await convergedService('autoscaled');
    await mxs.patch(namespace, 'autoscaled', [{ op: 'add', path: '/spec/autoscaling', value: { minReplicas: 2, maxReplicas: 6 } }]);
    const objects = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const hpa = await waitFor('HPA', () => objects.getNamespacedCustomObject({ group: 'autoscaling', version: 'v2', namespace, plural: 'horizontalpodautoscalers', name: 'autoscaled' }) as Promise<{ spec: { minReplicas: number; maxReplicas: number; scaleTargetRef: unknown } }>);
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6, scaleTargetRef: { apiVersion: 'metrox.io/v1alpha1', kind: 'MetroXService', name: 'autoscaled' } });
    // The HPA controller writes the scale subresource, as kubectl scale does: play its part.
    await objects.patchNamespacedCustomObjectScale(
      { group: 'metrox.io', version: 'v1alpha1', namespace, plural: 'metroxservices', name: 'autoscaled', body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor('Deployment at 3 replicas', async () => (await apps.readNamespacedDeployment({ namespace, name: 'autoscaled' })).spec?.replicas === 3);
    const scale = await objects.getNamespacedCustomObjectScale({ group: 'metrox.io', version: 'v1alpha1', namespace, plural: 'metroxservices', name: 'autoscaled' }) as { status?: { selector?: string } };
    expect(scale.status?.selector).toBe('app.kubernetes.io/name=autoscaled,app.kubernetes.io/instance=autoscaled');
  });

  it('issues zero writes when resyncing converged resources', async () => {
    await convergedService('steady-a');
    await convergedService('steady-b', { replicas: 2 });
    // Whatever earlier tests left must be converged too: the resync covers the namespace.
    const present = (await mxs.list(namespace)).items.filter((object) => object.metadata.deletionTimestamp === undefined);
    for (const object of present) await converged(object.metadata.name);
    // A fresh operator reconciles everything once on start: a full resync.
    await operator.stop();
    const before = writes(cp).length;
    operator = await testbed.startOperator(operatorSettings);
    await waitFor('a resync of every resource', async () => {
      const text = await operator.metrics();
      const success = /controller_runtime_reconcile_total\{controller="metroxservice",result="success"\} (\d+)/.exec(text)?.[1];
      return Number(success ?? 0) >= present.length;
    });
    expect(writes(cp).slice(before), operator.log()).toEqual([]);
  });

  it('converges without duplicates after being killed mid-reconcile, and only the leader writes', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    await Promise.all(names.map((name) => mxs.create(namespace, { apiVersion, kind, metadata: { name }, spec: { image: 'img:1', replicas: 2 } })));
    await waitFor('some reconciles', async () => /controller_runtime_reconcile_total\{[^}]*result="success"\} ([1-9]\d*)/.test(await operator.metrics()));
    await operator.kill();
    operator = await testbed.startOperator(operatorSettings);
    const standby = await testbed.startOperator(operatorSettings);
    try {
      for (const name of names) await converged(name);
      const deployments = await apps.listNamespacedDeployment({ namespace, labelSelector: 'app.kubernetes.io/managed-by=metrox-operator' });
      const burst = deployments.items.filter((d) => d.metadata?.name?.startsWith('burst-'));
      expect(burst.map((d) => d.metadata?.name).sort()).toEqual([...names].sort());
      const [a, b] = [await operator.metrics(), await standby.metrics()];
      const leaders = [a, b].filter((text) => text.includes('leader_election_master_status{name="metrox-operator"} 1'));
      expect(leaders).toHaveLength(1);
      const follower = leaders[0] === a ? b : a;
      expect(follower).not.toMatch(/controller_runtime_reconcile_total\{/);
    } finally {
      await standby.stop();
    }
  });

  it('releases the lease on graceful shutdown', async () => {
    // Only a leader holds the Lease: wait for it (a fresh operator may still be acquiring it).
    await waitFor('the operator to lead', async () => (await operator.metrics()).includes('leader_election_master_status{name="metrox-operator"} 1'));
    try {
      expect(await operator.stop()).toBe(0);
      const lease = await cp.kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'coordination.k8s.io', version: 'v1', namespace, plural: 'leases', name: 'metrox-operator' }) as { spec: { holderIdentity?: string } };
      expect(lease.spec.holderIdentity ?? '').toBe('');
    } finally {
      operator = await testbed.startOperator(operatorSettings);
    }
  });

  it('deletes children with the MetroXService (owner references)', async () => {
    const current = await convergedService('deleted');
    expect(current.metadata.finalizers ?? []).toEqual([]);
    await mxs.delete(namespace, 'deleted');
    await waitFor('gone', async () => mxs.get(namespace, 'deleted').then(() => false, () => true));
  });
});
