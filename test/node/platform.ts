// The MetroX platform installed on the real node exactly as the README's "Without
// Tilt" section says, and what the suites need to talk to it from the host: port
// forwards to its Services and small readers of its state.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/endpoints.ts';
import type { LocalCluster } from '../support/local-cluster.ts';
import { claimVolume, deleteClaimVolumes, namespace, platformClaims, removeLeftovers } from '../support/platform-namespace.ts';
import { portForward, type PortForward } from '../support/port-forward.ts';

export { namespace };

export const k8sDir = join(repoRoot, 'k8s');
/** Grafana has no stand-in here (real-node.md): its Pod never starts, everything else must. */
export const unavailableHere = new Set(['grafana']);

const partOf = 'metrox-node-suite';

export interface InstalledPlatform {
  /** Port forward to a Service of the platform namespace, opened once and reused. */
  forward(service: string, port: number): Promise<PortForward>;
  /** Closes the service's forwards: the next `forward` starts afresh (after a rollout replaced every Pod). */
  dropForwards(service: string): Promise<void>;
  uninstall(): Promise<void>;
}

export async function installPlatform(cluster: LocalCluster): Promise<InstalledPlatform> {
  await removeLeftovers(cluster);
  await deleteClaimVolumes(cluster, partOf, true);
  // The volumes' directories: writable by the non-root uids the StatefulSets run as.
  const volumes = mkdtempSync(join(tmpdir(), 'metrox-node-volumes-'));
  chmodSync(volumes, 0o755);
  const manifests = platformClaims.map(({ claim, size }) => {
    const path = join(volumes, claim);
    mkdirSync(path);
    chmodSync(path, 0o777);
    return claimVolume(claim, size, path, partOf);
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
    async dropForwards(service) {
      for (const [key, forward] of [...forwards]) {
        if (!key.startsWith(`${service}:`)) continue;
        forwards.delete(key);
        await (await forward.catch(() => undefined))?.close();
      }
    },
    async uninstall() {
      for (const forward of forwards.values()) await (await forward.catch(() => undefined))?.close();
      try {
        // Finalizers need the operator: delete the services while it still runs.
        await cluster.kubectl('delete', 'mxs', '--all', '-n', namespace, '--wait=true', '--timeout=120s');
      } finally {
        await cluster.kubectl('delete', '-f', k8sDir, '--ignore-not-found', '--wait=true', '--timeout=180s').catch(() => '');
        await cluster.kubectl('delete', '-f', join(k8sDir, 'crds'), '--ignore-not-found', '--wait=false');
        await deleteClaimVolumes(cluster, partOf, false);
        rmSync(volumes, { recursive: true, force: true });
      }
    },
  };
}
