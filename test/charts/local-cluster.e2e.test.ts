// The whole platform on the local cluster, as a user installs it: the committed
// manifests applied with kubectl (CRDs first), the operator running with the
// ServiceAccount and RBAC those manifests create, and the four MetroX services
// converging, scaling and being garbage-collected.
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, repoRoot } from '../support/endpoints.ts';
import { localCluster, type LocalCluster } from '../support/local-cluster.ts';
import { claimVolume, deleteClaimVolumes, namespace, platformClaims, removeLeftovers } from '../support/platform-namespace.ts';
import { waitUntil } from '../support/processes.ts';
import type { MetroXService } from '../../operator/src/api/metroxservice.ts';
import { startOperator, type OperatorProcess } from '../../operator/src/testing/operator-process.ts';

const k8sDir = join(repoRoot, 'k8s');
const services = { transaction: 2, payment: 2, operations: 1, notification: 1 } as const;
const partOf = 'metrox-e2e';

describe('MetroX on the local cluster', () => {
  let cluster: LocalCluster;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let operator: OperatorProcess | undefined;

  const readyReplicas = async (name: string) =>
    (await apps.readNamespacedDeployment({ namespace, name }).catch(() => undefined))?.status?.readyReplicas ?? 0;

  /** A kubeconfig that authenticates as the operator's ServiceAccount, so the chart's RBAC is what is tested. */
  async function operatorKubeconfig(): Promise<string> {
    const token = (await cluster.kubectl('create', 'token', 'metrox-operator', '-n', namespace, '--duration=2h')).trim();
    const admin = cluster.kubeConfig.getCurrentCluster();
    if (admin === null) throw new Error('the local cluster kubeconfig has no current cluster');
    const file = join(mkdtempSync(join(tmpdir(), 'metrox-e2e-')), 'operator.kubeconfig');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'local', cluster: { server: admin.server, 'certificate-authority-data': admin.caData } }],
        users: [{ name: 'metrox-operator', user: { token } }],
        contexts: [{ name: 'operator', context: { cluster: 'local', user: 'metrox-operator' } }],
        'current-context': 'operator',
      }),
    );
    return file;
  }

  beforeAll(async () => {
    cluster = localCluster();
    apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await removeLeftovers(cluster);
    await deleteClaimVolumes(cluster, partOf, true);
    for (const { claim, size } of platformClaims) await core.createPersistentVolume({ body: claimVolume(claim, size, `/tmp/${partOf}-${claim}`, partOf) });

    // The Quickstart's path without Tilt: CRDs first, then everything else.
    await cluster.kubectl('apply', '--server-side', '-f', join(k8sDir, 'crds'));
    await cluster.kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/metroxservices.metrox.io');
    await cluster.kubectl('apply', '--server-side', '-f', k8sDir);

    // The operator as a local process (Pods do not really run on KWOK nodes), with the
    // chart's ServiceAccount and RBAC and the local Postgres and RabbitMQ for wiring.
    const infra = endpoints();
    operator = await startOperator(await operatorKubeconfig(), {
      METROX_WATCH_NAMESPACE: namespace,
      METROX_OPERATOR_NAMESPACE: namespace,
      METROX_POSTGRES_ADMIN_URL: infra.DATABASE_URL,
      METROX_AMQP_ADMIN_URL: infra.AMQP_URL,
    });
  });

  afterAll(async () => {
    try {
      // Finalizers need the operator: delete the services while it still runs.
      await cluster.kubectl('delete', 'mxs', '--all', '-n', namespace, '--wait=true', '--timeout=120s');
    } finally {
      await operator?.stop();
      await cluster.kubectl('delete', '-f', k8sDir, '--ignore-not-found', '--wait=false');
      await cluster.kubectl('delete', '-f', join(k8sDir, 'crds'), '--ignore-not-found', '--wait=false');
      await deleteClaimVolumes(cluster, partOf, false);
    }
  });

  it('brings the platform Deployments and StatefulSets (with their volume claims) up under the restricted profile', async () => {
    for (const name of ['otel-collector', 'jaeger', 'prometheus', 'grafana', 'metrox-operator']) {
      await waitUntil(async () => (await readyReplicas(name)) >= 1, 120_000, () => `platform Deployment ${name} never became ready`);
    }
    for (const name of ['postgres', 'rabbitmq']) {
      await waitUntil(
        async () => ((await apps.readNamespacedStatefulSet({ namespace, name })).status?.readyReplicas ?? 0) === 1,
        120_000,
        () => `StatefulSet ${name} never became ready`,
      );
    }
  });

  it('reconciles the four MetroXServices to Ready with Available Deployments of their own replica counts', async () => {
    try {
      await cluster.kubectl('wait', '--for=condition=Ready', 'mxs', '--all', '-n', namespace, '--timeout=180s');
    } catch (error) {
      const state = await cluster.kubectl('get', 'mxs', '-n', namespace, '-o', 'yaml').catch(() => '');
      throw new Error(`MetroXServices not Ready: ${String(error)}\n${state}\noperator log:\n${operator?.log().slice(-4000) ?? ''}`, { cause: error });
    }
    for (const [name, replicas] of Object.entries(services)) {
      await cluster.kubectl('wait', '--for=condition=Available', `deployment/${name}`, '-n', namespace, '--timeout=120s');
      await waitUntil(async () => (await readyReplicas(name)) === replicas, 60_000, () => `${name} never had ${replicas} ready replicas`);
    }
  });

  it('scales payment to 4 with kubectl scale, its status and printer columns report 4 ready, and the other services keep their replicas', async () => {
    await cluster.kubectl('scale', 'mxs', 'payment', '-n', namespace, '--replicas=4');
    let seen: MetroXService | undefined;
    // The MetroXService's own status, not its Deployment's: the printer columns read it,
    // and the operator writes it a moment after the Deployment reports the Pods ready.
    await waitUntil(
      async () => {
        seen = JSON.parse(await cluster.kubectl('get', 'mxs', 'payment', '-n', namespace, '-o', 'json')) as MetroXService;
        const ready = seen.status?.conditions?.find((c) => c.type === 'Ready');
        return seen.status?.observedGeneration === seen.metadata.generation && seen.status?.readyReplicas === 4 && ready?.status === 'True';
      },
      90_000,
      // payment autoscales: kubectl scale must still reach its Pods, i.e. the autoscaler
      // and kubectl both act on the MetroXService's scale subresource.
      () => `payment never reported 4 ready replicas with Ready=True for its latest generation (status: ${JSON.stringify(seen?.status ?? {})}, generation ${String(seen?.metadata.generation)})`,
    );
    const printed = await cluster.kubectl('get', 'mxs', 'payment', '-n', namespace, '--no-headers');
    expect(printed).toMatch(/^payment\s+4\s+4\s/);
    for (const [name, replicas] of Object.entries(services).filter(([name]) => name !== 'payment')) {
      expect(await readyReplicas(name), name).toBe(replicas);
    }
  });

  it('runs the examples a user applies: a service with a database and events, and an autoscaled one', async () => {
    const examples = join(k8sDir, 'examples');
    await cluster.kubectl('apply', '--server-side', '-f', examples);
    await cluster.kubectl('wait', '--for=condition=Ready', 'mxs/fare-alerts', 'mxs/ticket-validator', '-n', namespace, '--timeout=120s');
    const fareAlerts = JSON.parse(await cluster.kubectl('get', 'mxs', 'fare-alerts', '-n', namespace, '-o', 'json')) as {
      status?: { database?: { name?: string }; broker?: { queue?: string } };
    };
    expect(fareAlerts.status?.database?.name).toBe('fare_alerts');
    expect(fareAlerts.status?.broker?.queue).toBeDefined();
    const autoscaler = JSON.parse(await cluster.kubectl('get', 'hpa', 'ticket-validator', '-n', namespace, '-o', 'json')) as {
      spec?: { minReplicas?: number; maxReplicas?: number };
    };
    expect(autoscaler.spec).toMatchObject({ minReplicas: 1, maxReplicas: 5 });
    // deletionPolicy: Delete drops the example's database again.
    await cluster.kubectl('delete', '-f', examples, '--wait=true', '--timeout=120s');
  });

  it('garbage-collects the children of a deleted MetroXService and leaves the others alone', async () => {
    const children = async () => ({
      deployment: await apps.readNamespacedDeployment({ namespace, name: 'notification' }).then(() => true, () => false),
      service: await core.readNamespacedService({ namespace, name: 'notification' }).then(() => true, () => false),
      dashboard: await core.readNamespacedConfigMap({ namespace, name: 'notification-dashboard' }).then(() => true, () => false),
    });
    expect(await children()).toEqual({ deployment: true, service: true, dashboard: true });

    await cluster.kubectl('delete', 'mxs', 'notification', '-n', namespace, '--wait=true', '--timeout=120s');
    await waitUntil(
      async () => Object.values(await children()).every((exists) => !exists),
      120_000,
      () => 'the children of the deleted notification service were never garbage-collected',
    );
    expect(await readyReplicas('transaction')).toBe(services.transaction);
  });
});
