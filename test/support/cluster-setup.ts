// The vitest global setups of the cluster suites: bring up the local cluster with the
// kind of node asked for (idempotent), then whatever the suites need on it, and delete
// the cluster afterwards only if this run created it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './endpoints.ts';

export type NodeKind = 'kwok' | 'real';

const clusterScript = (name: string) => join(repoRoot, 'scripts', 'cluster', name);

export function setupLocalCluster(kind: NodeKind, prepare: (env: NodeJS.ProcessEnv) => void = () => undefined): () => void {
  if (process.env.METROX_CLUSTER_KUBECONFIG !== undefined) return () => undefined;
  // The kind of node the suites were written for, whatever the shell says.
  const env = { ...process.env, METROX_CLUSTER_NODE: kind };
  let existed = true;
  try {
    execFileSync('bash', [clusterScript('status.sh')], { stdio: 'ignore', env });
  } catch {
    existed = false;
  }
  execFileSync('bash', [clusterScript('up.sh')], { stdio: ['ignore', 'ignore', 'inherit'], env });
  prepare(env);
  return () => {
    if (!existed && process.env.METROX_KEEP_INFRA !== '1') execFileSync('bash', [clusterScript('down.sh')], { stdio: 'inherit', env });
  };
}
