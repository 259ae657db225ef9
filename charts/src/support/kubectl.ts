// kubectl against a given kubeconfig, exactly as a user runs it: the tests prove
// the committed manifests with the same tool the README tells people to use.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { controlPlaneBinaries } from '@metrox/test/control-plane';

const run = promisify(execFile);

export interface KubectlResult {
  stdout: string;
  stderr: string;
}

export type Kubectl = (args: string[], stdin?: string) => Promise<KubectlResult>;

export function kubectlFor(kubeconfigPath: string): Kubectl {
  const binary = join(controlPlaneBinaries({ cluster: true }), 'kubectl');
  return async (args, stdin) => {
    const child = run(binary, ['--kubeconfig', kubeconfigPath, ...args], { maxBuffer: 64 * 1024 * 1024 });
    if (stdin !== undefined) {
      child.child.stdin?.end(stdin);
    }
    try {
      return await child;
    } catch (error) {
      const { stderr } = error as { stderr?: string };
      throw new Error(`kubectl ${args.join(' ')} failed:\n${stderr ?? String(error)}`, { cause: error });
    }
  };
}
