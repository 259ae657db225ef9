// The SLO rules the operator renders read the kit's metrics: what they assume of
// them must be what the kit does.
import { expect, it } from 'vitest';
import { latencyBuckets, plumbingRoutes } from '../../services/kit/src/index.ts';
import { latencyThresholds } from '../../operator/src/api/metroxservice.ts';
import { durationSeconds, plumbingRoutes as sliExcludedRoutes } from '../../operator/src/render/slo.ts';

it('the latency thresholds a MetroXService may choose are exactly the bucket bounds of the kit\'s request-duration histograms', () => {
  expect(latencyThresholds.map(durationSeconds)).toEqual(latencyBuckets);
});

it('the routes the SLIs leave out are exactly the kit\'s platform routes', () => {
  expect([...sliExcludedRoutes]).toEqual([...plumbingRoutes]);
});
