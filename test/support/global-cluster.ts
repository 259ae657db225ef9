// Vitest global setup for end-to-end suites: brings up the whole local cluster
// (idempotent) and deletes it afterwards only if this run created it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './endpoints.ts';

const script = (name: string) => join(repoRoot, 'scripts', 'cluster', name);

export function setup(): () => void {
  if (process.env.METROX_CLUSTER_KUBECONFIG !== undefined) return () => undefined;
  let existed = true;
  try {
    execFileSync('bash', [script('status.sh')], { stdio: 'ignore' });
  } catch {
    existed = false;
  }
  execFileSync('bash', [script('up.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return () => {
    if (!existed && process.env.METROX_KEEP_INFRA !== '1') execFileSync('bash', [script('down.sh')], { stdio: 'inherit' });
  };
}
