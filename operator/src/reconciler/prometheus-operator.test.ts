import { describe, expect, it } from 'vitest';
import { serviceMonitorsServed } from './prometheus-operator.ts';
import type { KubeObject } from '../runtime/resources.ts';

const crd = (overrides: { established?: string; served?: boolean; deleting?: boolean } = {}): KubeObject => ({
  metadata: { name: 'servicemonitors.monitoring.coreos.com', ...(overrides.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { versions: [{ name: 'v1', served: overrides.served ?? true }] },
  status: { conditions: [{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: overrides.established ?? 'True' }] },
});

describe('serviceMonitorsServed', () => {
  it('is true for an established CRD serving v1', () => {
    expect(serviceMonitorsServed(crd())).toBe(true);
  });

  it('is false without the CRD, before it is established, when v1 is not served, or while it is deleted', () => {
    expect(serviceMonitorsServed(undefined)).toBe(false);
    expect(serviceMonitorsServed(crd({ established: 'False' }))).toBe(false);
    expect(serviceMonitorsServed(crd({ served: false }))).toBe(false);
    expect(serviceMonitorsServed(crd({ deleting: true }))).toBe(false);
  });
});
