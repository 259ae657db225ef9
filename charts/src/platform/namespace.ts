// The platform namespace, labelled so the API server enforces the `restricted`
// Pod Security Standard on every Pod in it.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { namespace } from '../support/names.ts';

export const podSecurityLabels = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
} as const;

export class PlatformNamespace extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'metrox', ...podSecurityLabels } },
    });
  }
}
