import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startControlPlane, type ControlPlane } from '@metrox/test/control-plane';
import { buildCharts, chartFiles, chartObjects } from './manifests.ts';
import { kubectlFor, type Kubectl } from './support/kubectl.ts';
import { k8sDir } from './synth.ts';

describe('the committed manifests on a real kube-apiserver', () => {
  let cp: ControlPlane;
  let kubectl: Kubectl;

  beforeAll(async () => {
    cp = await startControlPlane();
    kubectl = kubectlFor(cp.kubeconfigPath);
    // As the Quickstart says: the CRDs first, established before anything uses them.
    await kubectl(['apply', '--server-side', '-f', join(k8sDir, 'crds')]);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    // Dry runs of namespaced objects need their namespace to exist: create it for
    // real, with the labels that make the API server enforce the restricted profile.
    const namespace = chartObjects(buildCharts().platform).filter((object) => object.kind === 'Namespace');
    expect(namespace).toHaveLength(1);
    await kubectl(['apply', '--server-side', '-f', '-'], stringify(namespace[0]));
  });
  afterAll(async () => {
    await cp.stop();
  });

  it('accepts every chart and example in a server-side dry-run, with no Pod Security warning', async () => {
    const files = [chartFiles.platform, chartFiles.operator, chartFiles.metrox].map((file) => join(k8sDir, file));
    const { stdout, stderr } = await kubectl(['apply', '--server-side', '--dry-run=server', ...files.flatMap((file) => ['-f', file]), '-f', join(k8sDir, 'examples')]);
    // A workload whose Pods would break `restricted` is admitted with a warning; fail on it.
    expect(stderr).not.toMatch(/PodSecurity|Warning/);
    expect(stdout).toMatch(/deployment\.apps\/metrox-operator serverside-applied \(server dry run\)/);
    expect(stdout).toMatch(/metroxservice\.metrox\.io\/payment serverside-applied \(server dry run\)/);
    expect(stdout).toMatch(/metroxservice\.metrox\.io\/fare-alerts serverside-applied \(server dry run\)/);
  });

  it('refuses a Pod that breaks the restricted profile in the platform namespace', async () => {
    // Proves the namespace label is enforced, so the warning check above means something.
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged', namespace: 'metrox' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] },
    };
    await expect(kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], JSON.stringify(pod))).rejects.toThrow(/violates PodSecurity "restricted:latest"/);
  });
});
