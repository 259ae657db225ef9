import { describe, expect, it } from 'vitest';
import { loadOperatorConfig } from './configuration.ts';

describe('lease timings', () => {
  it('default to the client-go values, a 15 s lease and 10 s renew deadline', () => {
    expect(loadOperatorConfig({})).toMatchObject({ leaseDurationSeconds: 15, renewDeadlineSeconds: 10 });
  });

  it('keep the renew deadline below a shorter lease', () => {
    expect(loadOperatorConfig({ METROX_LEASE_DURATION_SECONDS: '6' })).toMatchObject({ leaseDurationSeconds: 6, renewDeadlineSeconds: 5 });
  });

  it('refuse a renew deadline that outlives the lease', () => {
    expect(() => loadOperatorConfig({ METROX_LEASE_DURATION_SECONDS: '15', METROX_RENEW_DEADLINE_SECONDS: '15' })).toThrow(/must be below/);
  });
});
