// Pure: the operations summary from projection rows. The shape is the public contract
// of GET /v1/operations/summary.

export interface StationSalesRow {
  station: string;
  currency: string;
  tickets_sold: string | number;
  revenue_cents: string | number;
}

export interface PaymentOutcomeRow {
  method: string;
  outcome: 'confirmed' | 'failed';
  payments: string | number;
}

export interface PurchaseCountsRow {
  in_flight: string | number;
  confirmed: string | number;
  failed: string | number;
}

export interface OperationsSummary {
  stations: { station: string; ticketsSold: number; revenueCents: number; currency: string }[];
  revenue: { currency: string; revenueCents: number; ticketsSold: number }[];
  payments: {
    confirmed: number;
    failed: number;
    /** Confirmed over all answered payments; null before the first one. */
    successRatio: number | null;
    byMethod: { method: string; confirmed: number; failed: number; successRatio: number | null }[];
  };
  purchases: { inFlight: number; confirmed: number; failed: number };
  generatedAt: string;
}

const ratio = (confirmed: number, failed: number): number | null =>
  confirmed + failed === 0 ? null : Math.round((confirmed / (confirmed + failed)) * 10_000) / 10_000;

export function buildSummary(
  stations: StationSalesRow[],
  outcomes: PaymentOutcomeRow[],
  purchases: PurchaseCountsRow,
  now: Date,
): OperationsSummary {
  const stationRows = stations
    .map((row) => ({ station: row.station, ticketsSold: Number(row.tickets_sold), revenueCents: Number(row.revenue_cents), currency: row.currency }))
    .sort((a, b) => b.revenueCents - a.revenueCents || a.station.localeCompare(b.station));

  const revenue = new Map<string, { currency: string; revenueCents: number; ticketsSold: number }>();
  for (const row of stationRows) {
    const entry = revenue.get(row.currency) ?? { currency: row.currency, revenueCents: 0, ticketsSold: 0 };
    entry.revenueCents += row.revenueCents;
    entry.ticketsSold += row.ticketsSold;
    revenue.set(row.currency, entry);
  }

  const methods = new Map<string, { method: string; confirmed: number; failed: number }>();
  for (const row of outcomes) {
    const entry = methods.get(row.method) ?? { method: row.method, confirmed: 0, failed: 0 };
    entry[row.outcome] += Number(row.payments);
    methods.set(row.method, entry);
  }
  const byMethod = [...methods.values()]
    .sort((a, b) => a.method.localeCompare(b.method))
    .map((entry) => ({ ...entry, successRatio: ratio(entry.confirmed, entry.failed) }));
  const confirmed = byMethod.reduce((sum, entry) => sum + entry.confirmed, 0);
  const failed = byMethod.reduce((sum, entry) => sum + entry.failed, 0);

  return {
    stations: stationRows,
    revenue: [...revenue.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    payments: { confirmed, failed, successRatio: ratio(confirmed, failed), byMethod },
    purchases: { inFlight: Number(purchases.in_flight), confirmed: Number(purchases.confirmed), failed: Number(purchases.failed) },
    generatedAt: now.toISOString(),
  };
}
