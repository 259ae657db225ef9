// The MetroX platform installed on the real node exactly as the README's "Without
// Tilt" section says, and what the suites need to talk to it from the host: port
// forwards to its Services and small readers of its state.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/endpoints.ts';
import type { LocalCluster } from '../support/local-cluster.ts';
import { portForward, type PortForward } from '../support/port-forward.ts';

export const namespace = 'metrox';
export const k8sDir = join(repoRoot, 'k8s');
/** Grafana has no stand-in here (real-node.md): its Pod never starts, everything else must. */
export const unavailableHere = new Set(['grafana']);

/** The StatefulSets' claims: no provisioner here, so the suite plays the admin with hostPath volumes. */
const claims = [
  { claim: 'data-postgres-0', size: '2Gi' },
  { claim: 'data-rabbitmq-0', size: '1Gi' },
];
const volumeLabel = 'app.kubernetes.io/part-of=metrox-node-suite';

export interface InstalledPlatform {
  /** Port forward to a Service of the platform namespace, opened once and reused. */
  forward(service: string, port: number): Promise<PortForward>;
  uninstall(): Promise<void>;
}

/** A previous run that died half-way leaves MetroXServices whose finalizers nobody will release. */
async function removeLeftovers(cluster: LocalCluster): Promise<void> {
  const namespaces = await cluster.kubectl('get', 'namespaces', '-o', 'name');
  if (namespaces.split('\n').includes(`namespace/${namespace}`)) {
    const leftovers = await cluster.kubectl('get', 'mxs', '-n', namespace, '-o', 'name').catch(() => '');
    for (const resource of leftovers.split('\n').filter((line) => line !== '')) {
      await cluster.kubectl('patch', resource, '-n', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
    }
    await cluster.kubectl('delete', 'namespace', namespace, '--wait=true', '--timeout=180s');
  }
  await cluster.kubectl('delete', 'persistentvolumes', '-l', volumeLabel, '--ignore-not-found', '--wait=true', '--timeout=60s');
}

function persistentVolume(claim: string, size: string, path: string): object {
  const [key, value] = volumeLabel.split('=');
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `metrox-node-${claim}`, labels: { [key ?? '']: value } },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      hostPath: { path, type: 'Directory' },
      claimRef: { namespace, name: claim },
    },
  };
}

export async function installPlatform(cluster: LocalCluster): Promise<InstalledPlatform> {
  await removeLeftovers(cluster);
  // The volumes' directories: writable by the non-root uids the StatefulSets run as.
  const volumes = mkdtempSync(join(tmpdir(), 'metrox-node-volumes-'));
  chmodSync(volumes, 0o755);
  const manifests = claims.map(({ claim, size }) => {
    const path = join(volumes, claim);
    mkdirSync(path);
    chmodSync(path, 0o777);
    return persistentVolume(claim, size, path);
  });
  const volumesFile = join(volumes, 'volumes.json');
  writeFileSync(volumesFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }));
  await cluster.kubectl('apply', '-f', volumesFile);

  // The README's path without Tilt: CRDs first, then everything else.
  await cluster.kubectl('apply', '--server-side', '-f', join(k8sDir, 'crds'));
  await cluster.kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/metroxservices.metrox.io');
  await cluster.kubectl('apply', '--server-side', '-f', k8sDir);

  const forwards = new Map<string, Promise<PortForward>>();
  const kubectlPath = cluster.kubectlPath;
  return {
    forward(service, port) {
      const key = `${service}:${String(port)}`;
      let forward = forwards.get(key);
      if (forward === undefined) {
        forward = portForward(kubectlPath, cluster.kubeconfigPath, namespace, `svc/${service}`, port);
        forwards.set(key, forward);
      }
      return forward;
    },
    async uninstall() {
      for (const forward of forwards.values()) await (await forward.catch(() => undefined))?.close();
      try {
        // Finalizers need the operator: delete the services while it still runs.
        await cluster.kubectl('delete', 'mxs', '--all', '-n', namespace, '--wait=true', '--timeout=120s');
      } finally {
        await cluster.kubectl('delete', '-f', k8sDir, '--ignore-not-found', '--wait=true', '--timeout=180s').catch(() => '');
        await cluster.kubectl('delete', '-f', join(k8sDir, 'crds'), '--ignore-not-found', '--wait=false');
        await cluster.kubectl('delete', 'persistentvolumes', '-l', volumeLabel, '--ignore-not-found', '--wait=false');
        rmSync(volumes, { recursive: true, force: true });
      }
    },
  };
}
