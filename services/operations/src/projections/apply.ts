// Applies one domain event to the projections, inside the inbox transaction. The event
// log's primary key makes it idempotent on its own: a replayed event changes nothing.
// Events of different producers arrive in any order, so each write is an upsert that
// is correct whichever of a purchase's events comes first.
import { prepared, type EventEnvelope, type Tx } from '@metrox/kit';

export type Queryable = Pick<Tx, 'query'>;

/** A NOTIFY to send (delivered at COMMIT) when the event is applied, not when it is a replay. */
export interface AppliedNotice {
  channel: string;
  payload: string;
}

/**
 * Logs the event, updates the projections and sends the notice, in one statement: the
 * projections read from the log's insert, so a replayed event (already logged) changes
 * nothing. Returns false when the event had been applied before.
 */
export async function applyEvent(db: Queryable, event: EventEnvelope, notice?: AppliedNotice): Promise<boolean> {
  const transactionId = 'transactionId' in event.data ? event.data.transactionId : null;
  const values: unknown[] = [event.id, event.type, event.source, event.time, transactionId, JSON.stringify(loggedData(event))];
  const parameter = (value: unknown, type: string): string => `$${values.push(value)}::${type}`;
  const projections = projectionStatements(event, parameter);
  const final = notice ? `SELECT pg_notify(${parameter(notice.channel, 'text')}, ${parameter(notice.payload, 'text')}) FROM logged` : 'SELECT 1 FROM logged';
  const text = [
    `WITH logged AS (
       INSERT INTO event_log (event_id, type, source, event_time, transaction_id, data)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING RETURNING event_id
     )`,
    ...projections.map((sql, index) => `, projection_${index} AS (${sql})`),
    final,
  ].join('\n');
  // Prepared per text: one per event type (and outcome), planned once per connection.
  const { rowCount } = await db.query(prepared(text, values));
  return (rowCount ?? 0) > 0;
}

/**
 * Pure: what the event log keeps of an event's data (and so what the shift log and the live
 * feed show): everything but the rider's contact, which TransactionCompleted carries for
 * Notification and which a control room has no business reading.
 */
export function loggedData(event: EventEnvelope): unknown {
  if (event.type !== 'TransactionCompleted') return event.data;
  const { riderContact: _contact, ...rest } = (event as EventEnvelope<'TransactionCompleted'>).data;
  return rest;
}

/** Pure: the projection writes for an event, each selecting FROM logged (so none runs for a replay). */
export function projectionStatements(event: EventEnvelope, parameter: (value: unknown, type: string) => string): string[] {
  switch (event.type) {
    case 'TransactionCreated': {
      const d = (event as EventEnvelope<'TransactionCreated'>).data;
      return [
        `INSERT INTO purchases (transaction_id, rider_id, from_station, to_station, payment_method, fare_cents, currency, created_at)
         SELECT ${parameter(d.transactionId, 'text')}, ${parameter(d.riderId, 'text')}, ${parameter(d.fromStation, 'text')},
           ${parameter(d.toStation, 'text')}, ${parameter(d.paymentMethod, 'text')}, ${parameter(d.fareCents, 'bigint')},
           ${parameter(d.currency, 'text')}, ${parameter(d.createdAt, 'timestamptz')} FROM logged
         ON CONFLICT (transaction_id) DO UPDATE SET rider_id = EXCLUDED.rider_id, from_station = EXCLUDED.from_station,
           to_station = EXCLUDED.to_station, payment_method = EXCLUDED.payment_method, fare_cents = EXCLUDED.fare_cents,
           currency = EXCLUDED.currency, created_at = EXCLUDED.created_at`,
      ];
    }
    case 'TransactionCompleted': {
      const d = (event as EventEnvelope<'TransactionCompleted'>).data;
      const purchase = `INSERT INTO purchases (transaction_id, rider_id, from_station, to_station, fare_cents, currency, status, failure_reason, completed_at)
         SELECT ${parameter(d.transactionId, 'text')}, ${parameter(d.riderId, 'text')}, ${parameter(d.fromStation, 'text')},
           ${parameter(d.toStation, 'text')}, ${parameter(d.fareCents, 'bigint')}, ${parameter(d.currency, 'text')},
           ${parameter(d.status, 'text')}, ${parameter(d.reason ?? null, 'text')}, ${parameter(d.completedAt, 'timestamptz')} FROM logged
         ON CONFLICT (transaction_id) DO UPDATE SET status = EXCLUDED.status, failure_reason = EXCLUDED.failure_reason,
           completed_at = EXCLUDED.completed_at`;
      if (d.status !== 'CONFIRMED') return [purchase];
      return [
        purchase,
        `INSERT INTO station_sales (station, currency, tickets_sold, revenue_cents)
         SELECT ${parameter(d.fromStation, 'text')}, ${parameter(d.currency, 'text')}, 1, ${parameter(d.fareCents, 'bigint')} FROM logged
         ON CONFLICT (station, currency) DO UPDATE SET tickets_sold = station_sales.tickets_sold + 1,
           revenue_cents = station_sales.revenue_cents + EXCLUDED.revenue_cents`,
      ];
    }
    case 'PaymentConfirmed':
    case 'PaymentFailed': {
      const d = (event as EventEnvelope<'PaymentConfirmed' | 'PaymentFailed'>).data;
      return [
        `INSERT INTO payment_outcomes (method, outcome, payments)
         SELECT ${parameter(d.method, 'text')}, ${parameter(event.type === 'PaymentConfirmed' ? 'confirmed' : 'failed', 'text')}, 1 FROM logged
         ON CONFLICT (method, outcome) DO UPDATE SET payments = payment_outcomes.payments + 1`,
      ];
    }
    case 'NotificationSent':
      return []; // the event log is its projection
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
