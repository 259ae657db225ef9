// Vitest global setup for the suites on the real node: brings up the local cluster
// with a real node (idempotent), builds every image the committed manifests name
// from our Dockerfiles and the stand-ins' (cached by content: a warm run builds
// nothing) and imports them into the node. Deletes the cluster afterwards only if
// this run created it. A missing prerequisite (root, buildah, Go) fails loudly.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './endpoints.ts';

const script = (...path: string[]) => join(repoRoot, 'scripts', ...path);
const env = { ...process.env, METROX_CLUSTER_NODE: 'real' };

/** Builds and imports the images; their per-image progress is shown only when that fails. */
function images(): void {
  const started = Date.now();
  try {
    execFileSync('bash', [script('node', 'images.sh')], { stdio: ['ignore', 'ignore', 'pipe'], env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`building or importing the images failed:\n${stderr.split('\n').slice(-40).join('\n')}`, { cause: error });
  }
  console.error(`[node] images built and imported in ${String(Math.round((Date.now() - started) / 1000))} s`);
}

export function setup(): () => void {
  if (process.env.METROX_CLUSTER_KUBECONFIG !== undefined) return () => undefined;
  let existed = true;
  try {
    execFileSync('bash', [script('cluster', 'status.sh')], { stdio: 'ignore', env });
  } catch {
    existed = false;
  }
  execFileSync('bash', [script('cluster', 'up.sh')], { stdio: ['ignore', 'ignore', 'inherit'], env });
  images();
  return () => {
    if (!existed && process.env.METROX_KEEP_INFRA !== '1') execFileSync('bash', [script('cluster', 'down.sh')], { stdio: 'inherit', env });
  };
}
