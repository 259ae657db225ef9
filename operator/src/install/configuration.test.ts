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

describe('drift-check period', () => {
  it('defaults to ten minutes', () => {
    expect(loadOperatorConfig({}).driftCheckSeconds).toBe(600);
  });

  it('is read from METROX_DRIFT_CHECK_SECONDS', () => {
    expect(loadOperatorConfig({ METROX_DRIFT_CHECK_SECONDS: '30' }).driftCheckSeconds).toBe(30);
  });

  it('refuses a value that is not a non-negative integer, naming the variable', () => {
    expect(() => loadOperatorConfig({ METROX_DRIFT_CHECK_SECONDS: '10m' })).toThrow(/METROX_DRIFT_CHECK_SECONDS must be a non-negative integer, got "10m"/);
  });
});
