// Vitest global setup for the suites on the real node: the local cluster with a real
// node, then every image the committed manifests name, built from our Dockerfiles and
// the stand-ins' (cached by content: a warm run builds nothing) and imported into the
// node. A missing prerequisite (root, buildah, Go) fails loudly.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setupLocalCluster } from './cluster-setup.ts';
import { repoRoot } from './endpoints.ts';

/** Builds and imports the images; their per-image progress is shown only when that fails. */
function images(env: NodeJS.ProcessEnv): void {
  const started = Date.now();
  try {
    execFileSync('bash', [join(repoRoot, 'scripts', 'node', 'images.sh')], { stdio: ['ignore', 'ignore', 'pipe'], env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`building or importing the images failed:\n${stderr.split('\n').slice(-40).join('\n')}`, { cause: error });
  }
  console.error(`[node] images built and imported in ${String(Math.round((Date.now() - started) / 1000))} s`);
}

export function setup(): () => void {
  return setupLocalCluster('real', images);
}
