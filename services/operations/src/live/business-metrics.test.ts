import { describe, expect, it } from 'vitest';
import { countEvent, createBusinessMetrics, metricIncrements } from './business-metrics.ts';

describe('business metrics', () => {
  it('a confirmed ticket counts one sale at its departure station and its fare as revenue', () => {
    expect(metricIncrements({ type: 'TransactionCompleted', data: { status: 'CONFIRMED', fromStation: 'aluva', currency: 'INR', fareCents: 3000 } })).toEqual([
      { metric: 'ticketsSold', labels: { station: 'aluva' }, value: 1 },
      { metric: 'revenueCents', labels: { currency: 'INR' }, value: 3000 },
    ]);
  });

  it('a failed ticket sells nothing; payments count by method and outcome', () => {
    expect(metricIncrements({ type: 'TransactionCompleted', data: { status: 'FAILED' } })).toEqual([]);
    expect(metricIncrements({ type: 'PaymentFailed', data: { method: 'wallet' } })).toEqual([
      { metric: 'payments', labels: { method: 'wallet', outcome: 'failed' }, value: 1 },
    ]);
    expect(metricIncrements({ type: 'NotificationSent', data: {} })).toEqual([]);
  });

  it('counting moves the Prometheus counters', async () => {
    const metrics = createBusinessMetrics();
    countEvent(metrics, { type: 'PaymentConfirmed', data: { method: 'upi' } });
    countEvent(metrics, { type: 'PaymentConfirmed', data: { method: 'upi' } });
    const values = await metrics.payments.get();
    expect(values.values).toEqual([{ labels: { method: 'upi', outcome: 'confirmed' }, value: 2 }]);
  });
});
