import { describe, expect, it } from 'vitest';
import { buildSummary } from './summary.ts';

const now = new Date('2025-06-01T08:00:00Z');

describe('operations summary', () => {
  it('is all zeros and no ratio before the first event', () => {
    expect(buildSummary([], [], { in_flight: 0, confirmed: 0, failed: 0 }, now)).toEqual({
      stations: [],
      revenue: [],
      payments: { confirmed: 0, failed: 0, successRatio: null, byMethod: [] },
      purchases: { inFlight: 0, confirmed: 0, failed: 0 },
      generatedAt: '2025-06-01T08:00:00.000Z',
    });
  });

  it('ranks stations by revenue, totals revenue per currency and computes success ratios', () => {
    const summary = buildSummary(
      [
        { station: 'aluva', currency: 'INR', tickets_sold: '2', revenue_cents: '4000' },
        { station: 'kaloor', currency: 'INR', tickets_sold: '1', revenue_cents: '5000' },
      ],
      [
        { method: 'upi', outcome: 'confirmed', payments: '3' },
        { method: 'wallet', outcome: 'failed', payments: '1' },
      ],
      { in_flight: '2', confirmed: '3', failed: '1' },
      now,
    );
    expect(summary.stations.map((row) => row.station)).toEqual(['kaloor', 'aluva']);
    expect(summary.revenue).toEqual([{ currency: 'INR', revenueCents: 9000, ticketsSold: 3 }]);
    expect(summary.payments).toEqual({
      confirmed: 3,
      failed: 1,
      successRatio: 0.75,
      byMethod: [
        { method: 'upi', confirmed: 3, failed: 0, successRatio: 1 },
        { method: 'wallet', confirmed: 0, failed: 1, successRatio: 0 },
      ],
    });
    expect(summary.purchases).toEqual({ inFlight: 2, confirmed: 3, failed: 1 });
  });
});
