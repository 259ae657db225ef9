// Applies one domain event to the projections, inside the inbox transaction. The event
// log's primary key makes it idempotent on its own: a replayed event changes nothing.
// Events of different producers arrive in any order, so each write is an upsert that
// is correct whichever of a purchase's events comes first.
import type { EventEnvelope, Tx } from '@metrox/kit';

export type Queryable = Pick<Tx, 'query'>;

/** Returns false when the event had been applied before. */
export async function applyEvent(db: Queryable, event: EventEnvelope): Promise<boolean> {
  const transactionId = 'transactionId' in event.data ? event.data.transactionId : null;
  const logged = await db.query(
    `INSERT INTO event_log (event_id, type, source, event_time, transaction_id, data)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
    [event.id, event.type, event.source, event.time, transactionId, JSON.stringify(event.data)],
  );
  if (logged.rowCount === 0) return false;
  await project(db, event);
  return true;
}

async function project(db: Queryable, event: EventEnvelope): Promise<void> {
  switch (event.type) {
    case 'TransactionCreated': {
      const d = (event as EventEnvelope<'TransactionCreated'>).data;
      await db.query(
        `INSERT INTO purchases (transaction_id, rider_id, from_station, to_station, payment_method, fare_cents, currency, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (transaction_id) DO UPDATE SET rider_id = $2, from_station = $3, to_station = $4,
           payment_method = $5, fare_cents = $6, currency = $7, created_at = $8`,
        [d.transactionId, d.riderId, d.fromStation, d.toStation, d.paymentMethod, d.fareCents, d.currency, d.createdAt],
      );
      return;
    }
    case 'TransactionCompleted': {
      const d = (event as EventEnvelope<'TransactionCompleted'>).data;
      await db.query(
        `INSERT INTO purchases (transaction_id, rider_id, from_station, to_station, fare_cents, currency, status, failure_reason, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (transaction_id) DO UPDATE SET status = $7, failure_reason = $8, completed_at = $9`,
        [d.transactionId, d.riderId, d.fromStation, d.toStation, d.fareCents, d.currency, d.status, d.reason ?? null, d.completedAt],
      );
      if (d.status === 'CONFIRMED') {
        await db.query(
          `INSERT INTO station_sales (station, currency, tickets_sold, revenue_cents) VALUES ($1, $2, 1, $3)
           ON CONFLICT (station, currency) DO UPDATE SET tickets_sold = station_sales.tickets_sold + 1,
             revenue_cents = station_sales.revenue_cents + $3`,
          [d.fromStation, d.currency, d.fareCents],
        );
      }
      return;
    }
    case 'PaymentConfirmed':
    case 'PaymentFailed': {
      const d = (event as EventEnvelope<'PaymentConfirmed' | 'PaymentFailed'>).data;
      await db.query(
        `INSERT INTO payment_outcomes (method, outcome, payments) VALUES ($1, $2, 1)
         ON CONFLICT (method, outcome) DO UPDATE SET payments = payment_outcomes.payments + 1`,
        [d.method, event.type === 'PaymentConfirmed' ? 'confirmed' : 'failed'],
      );
      return;
    }
    case 'NotificationSent':
      return; // the event log is its projection
  }
}

export async function readSummaryRows(db: Queryable) {
  const [stations, outcomes, purchases] = await Promise.all([
    db.query<{ station: string; currency: string; tickets_sold: string; revenue_cents: string }>(
      'SELECT station, currency, tickets_sold, revenue_cents FROM station_sales',
    ),
    db.query<{ method: string; outcome: 'confirmed' | 'failed'; payments: string }>('SELECT method, outcome, payments FROM payment_outcomes'),
    db.query<{ in_flight: string; confirmed: string; failed: string }>(
      `SELECT count(*) FILTER (WHERE created_at IS NOT NULL AND completed_at IS NULL) AS in_flight,
              count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed,
              count(*) FILTER (WHERE status = 'FAILED') AS failed
       FROM purchases`,
    ),
  ]);
  return { stations: stations.rows, outcomes: outcomes.rows, purchases: purchases.rows[0] ?? { in_flight: '0', confirmed: '0', failed: '0' } };
}

export interface LoggedEvent {
  id: string;
  type: string;
  source: string;
  time: string;
  transactionId: string | null;
  data: unknown;
}

export async function readEvents(db: Queryable, ids: string[]): Promise<LoggedEvent[]> {
  const { rows } = await db.query<{ event_id: string; type: string; source: string; event_time: Date; transaction_id: string | null; data: unknown }>(
    'SELECT event_id, type, source, event_time, transaction_id, data FROM event_log WHERE event_id = ANY($1)',
    [ids],
  );
  return rows.map((row) => ({
    id: row.event_id,
    type: row.type,
    source: row.source,
    time: row.event_time.toISOString(),
    transactionId: row.transaction_id,
    data: row.data,
  }));
}

export async function recentEvents(db: Queryable, limit: number, type: string | undefined): Promise<LoggedEvent[]> {
  const { rows } = await db.query<{ event_id: string }>(
    `SELECT event_id FROM event_log WHERE ($2::text IS NULL OR type = $2) ORDER BY event_time DESC, applied_at DESC LIMIT $1`,
    [limit, type ?? null],
  );
  const events = await readEvents(db, rows.map((row) => row.event_id));
  const order = new Map(rows.map((row, index) => [row.event_id, index]));
  return events.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}
