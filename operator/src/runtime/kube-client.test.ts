import { describe, expect, it } from 'vitest';
import { resourceOf } from './kube-client.ts';

describe('the resource a request path addresses', () => {
  it('names core, grouped, namespaced and cluster-wide resources and their subresources', () => {
    expect(resourceOf('/api/v1/namespaces/shop/secrets/payment-database')).toBe('secrets');
    expect(resourceOf('/api/v1/namespaces/shop/secrets?labelSelector=a%3Db')).toBe('secrets');
    expect(resourceOf('/apis/apps/v1/deployments')).toBe('deployments');
    expect(resourceOf('/apis/example.com/v1/namespaces/shop/widgets/blue/status')).toBe('widgets/status');
    expect(resourceOf('/api/v1/namespaces')).toBe('namespaces');
    expect(resourceOf('/api/v1/namespaces/shop')).toBe('namespaces');
    expect(resourceOf('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y')).toBe('customresourcedefinitions');
  });

  it('returns a path outside the REST API as it is', () => {
    expect(resourceOf('/metrics')).toBe('/metrics');
  });
});
