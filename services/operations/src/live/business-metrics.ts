// Business metrics for Prometheus. They are counted by the replica that applied an event,
// after its COMMIT, so summing over replicas gives the truth. Counters start at zero with
// each process, as Prometheus counters do; rate() and increase() handle the resets.
import { Counter } from 'prom-client';
import type { LoggedEvent } from '../projections/apply.ts';

export interface BusinessMetrics {
  ticketsSold: Counter<'station'>;
  revenueCents: Counter<'currency'>;
  payments: Counter<'method' | 'outcome'>;
  all: Counter[];
}

export function createBusinessMetrics(): BusinessMetrics {
  const ticketsSold = new Counter({
    name: 'metrox_tickets_sold_total',
    help: 'Confirmed tickets, by departure station',
    labelNames: ['station'] as const,
    registers: [],
  });
  const revenueCents = new Counter({
    name: 'metrox_revenue_cents_total',
    help: 'Revenue of confirmed tickets in the minor unit of the currency',
    labelNames: ['currency'] as const,
    registers: [],
  });
  const payments = new Counter({
    name: 'metrox_payments_total',
    help: 'Payment outcomes, by method and outcome (confirmed, failed)',
    labelNames: ['method', 'outcome'] as const,
    registers: [],
  });
  return { ticketsSold, revenueCents, payments, all: [ticketsSold, revenueCents, payments] };
}

/** Pure: which counters an applied event moves. */
export function metricIncrements(event: Pick<LoggedEvent, 'type' | 'data'>): { metric: 'ticketsSold' | 'revenueCents' | 'payments'; labels: Record<string, string>; value: number }[] {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const text = (key: string): string => (typeof data[key] === 'string' ? data[key] : 'unknown');
  switch (event.type) {
    case 'TransactionCompleted':
      if (data.status !== 'CONFIRMED') return [];
      return [
        { metric: 'ticketsSold', labels: { station: text('fromStation') }, value: 1 },
        { metric: 'revenueCents', labels: { currency: text('currency') }, value: typeof data.fareCents === 'number' ? data.fareCents : 0 },
      ];
    case 'PaymentConfirmed':
      return [{ metric: 'payments', labels: { method: text('method'), outcome: 'confirmed' }, value: 1 }];
    case 'PaymentFailed':
      return [{ metric: 'payments', labels: { method: text('method'), outcome: 'failed' }, value: 1 }];
    default:
      return [];
  }
}

export function countEvent(metrics: BusinessMetrics, event: Pick<LoggedEvent, 'type' | 'data'>): void {
  for (const increment of metricIncrements(event)) {
    (metrics[increment.metric] as Counter).inc(increment.labels, increment.value);
  }
}
