// What the cluster suites share about installing k8s/ as a user would: the namespace
// it lives in, the volume claims of its StatefulSets (no provisioner on the local
// cluster, so a suite plays the admin and binds hostPath volumes to them), and the
// clean-up of a run that died half-way.
import type { LocalCluster } from './local-cluster.ts';

export const namespace = 'metrox';

/** The StatefulSets' claims. kind provisions them; the local cluster has none. */
export const platformClaims = [
  { claim: 'data-postgres-0', size: '2Gi' },
  { claim: 'data-rabbitmq-0', size: '1Gi' },
] as const;

/** A hostPath PersistentVolume bound to `claim`, labelled app.kubernetes.io/part-of=`partOf`. */
export function claimVolume(claim: string, size: string, path: string, partOf: string): object {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `${partOf}-${claim}`, labels: { 'app.kubernetes.io/part-of': partOf } },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      hostPath: { path },
      claimRef: { namespace, name: claim },
    },
  };
}

export async function deleteClaimVolumes(cluster: LocalCluster, partOf: string, wait: boolean): Promise<void> {
  await cluster.kubectl('delete', 'persistentvolumes', '-l', `app.kubernetes.io/part-of=${partOf}`, '--ignore-not-found', `--wait=${String(wait)}`, '--timeout=120s');
}

/** A previous run that died half-way leaves MetroXServices whose finalizers nobody will release. */
export async function removeLeftovers(cluster: LocalCluster): Promise<void> {
  const namespaces = await cluster.kubectl('get', 'namespaces', '-o', 'name');
  if (!namespaces.split('\n').includes(`namespace/${namespace}`)) return;
  const leftovers = await cluster.kubectl('get', 'mxs', '-n', namespace, '-o', 'name').catch(() => '');
  for (const resource of leftovers.split('\n').filter((line) => line !== '')) {
    await cluster.kubectl('patch', resource, '-n', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
  }
  await cluster.kubectl('delete', 'namespace', namespace, '--wait=true', '--timeout=180s');
}
