import { describe, expect, it } from 'vitest';
import { resourceAttributesFromEnv } from './resource.ts';

describe('resource attributes', () => {
  it('come from the service and Kubernetes variables', () => {
    expect(
      resourceAttributesFromEnv({ SERVICE_NAME: 'payment', SERVICE_VERSION: '1.0.0', K8S_NAMESPACE_NAME: 'metrox', K8S_POD_NAME: 'payment-7d9', K8S_NODE_NAME: 'node-1' }),
    ).toEqual({
      'service.name': 'payment',
      'service.version': '1.0.0',
      'service.namespace': 'metrox',
      'service.instance.id': 'payment-7d9',
      'k8s.namespace.name': 'metrox',
      'k8s.pod.name': 'payment-7d9',
      'k8s.node.name': 'node-1',
    });
  });
});
