// The whole local cluster (`npm run cluster:up`) as seen from a test: its
// kubeconfig, an admin client and kubectl, exactly as a user would have them.
import { KubeConfig } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { controlPlaneBinaries } from './control-plane.ts';
import { stateDir } from './endpoints.ts';

export interface LocalCluster {
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  readonly kubectlPath: string;
  /** Runs kubectl against the cluster; resolves with stdout, rejects with stderr. */
  kubectl(...args: string[]): Promise<string>;
}

const run = promisify(execFile);

export function localCluster(): LocalCluster {
  const kubeconfigPath = process.env.METROX_CLUSTER_KUBECONFIG ?? join(stateDir, 'cluster', 'kubeconfig');
  if (!existsSync(kubeconfigPath)) {
    throw new Error(`no local cluster kubeconfig at ${kubeconfigPath}: run \`npm run cluster:up\``);
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const kubectlPath = join(controlPlaneBinaries({ cluster: true }), 'kubectl');
  return {
    kubeconfigPath,
    kubeConfig,
    kubectlPath,
    async kubectl(...args) {
      const { stdout } = await run(kubectlPath, ['--kubeconfig', kubeconfigPath, ...args], { maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    },
  };
}
