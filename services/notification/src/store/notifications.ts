// The notification service's table, as SQL only.
import { prepared, type Tx } from '@metrox/kit';

export type Queryable = Pick<Tx, 'query'>;
export type NotificationStatus = 'PENDING' | 'SENT' | 'UNDELIVERABLE';

export interface Notification {
  id: string;
  transactionId: string;
  outcome: 'CONFIRMED' | 'FAILED';
  failureReason: string | null;
  status: NotificationStatus;
  riderId: string | null;
  channel: string | null;
  recipient: string | null;
  subject: string | null;
  body: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

interface NotificationRow {
  id: string;
  transaction_id: string;
  outcome: 'CONFIRMED' | 'FAILED';
  failure_reason: string | null;
  status: NotificationStatus;
  rider_id: string | null;
  channel: string | null;
  recipient: string | null;
  subject: string | null;
  body: string | null;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

const columns = 'id, transaction_id, outcome, failure_reason, status, rider_id, channel, recipient, subject, body, attempts, last_error, created_at, sent_at';

function fromRow(row: NotificationRow): Notification {
  return {
    id: row.id,
    transactionId: row.transaction_id,
    outcome: row.outcome,
    failureReason: row.failure_reason,
    status: row.status,
    riderId: row.rider_id,
    channel: row.channel,
    recipient: row.recipient,
    subject: row.subject,
    body: row.body,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
  };
}

/** What the message says and where it goes: the purchase and the rider's contact as TransactionCompleted carried them. */
export interface PurchaseToTell {
  riderId: string;
  fromStation: string;
  toStation: string;
  fareCents: number;
  currency: string;
  contact: { displayName: string; email: string; phone: string };
}

/** A notification to send, with the trace context of the outcome it announces; no purchase for rows recorded before it was kept. */
export interface DueNotification extends Notification {
  trace: { traceparent: string | null; tracestate: string | null };
  purchase: PurchaseToTell | null;
}

export const dueChannel = 'metrox_notifications_due';

/** Records that the rider is to be told; false when this outcome was recorded before. */
export async function recordOutcome(
  db: Queryable,
  outcome: {
    id: string;
    transactionId: string;
    outcome: 'CONFIRMED' | 'FAILED';
    failureReason: string | null;
    /** The event the row came from (TransactionCompleted). */
    sourceEventId: string;
    purchase: PurchaseToTell;
    trace: { traceparent: string | null; tracestate: string | null };
  },
): Promise<boolean> {
  // One round trip: the row, and (only when it is new) a NOTIFY delivered at COMMIT that
  // wakes the dispatchers without waiting for their next poll.
  const { rows } = await db.query<{ id: string }>(
    prepared(
      `WITH inserted AS (
         INSERT INTO notifications (id, transaction_id, outcome, failure_reason, source_event_id, rider_id, purchase, traceparent, tracestate)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (transaction_id, outcome) DO NOTHING
         RETURNING id
       )
       SELECT id, pg_notify($10, id::text) FROM inserted`,
      [
        outcome.id,
        outcome.transactionId,
        outcome.outcome,
        outcome.failureReason,
        outcome.sourceEventId,
        outcome.purchase.riderId,
        JSON.stringify(outcome.purchase),
        outcome.trace.traceparent,
        outcome.trace.tracestate,
        dueChannel,
      ],
    ),
  );
  return rows.length > 0;
}

const claimedColumns = columns
  .split(', ')
  .map((column) => `n.${column}`)
  .join(', ');

/**
 * Claims up to `limit` due notifications, oldest due first, for `leaseMs`: they are not due
 * again (for any replica) until then, unless recorded or rescheduled sooner. One statement
 * that commits at once: no lock outlives it, and a dispatcher that dies leaves its claims to
 * expire. Each claim counts as an attempt.
 */
export async function claimDue(db: Queryable, limit: number, leaseMs: number): Promise<DueNotification[]> {
  const { rows } = await db.query<NotificationRow & { traceparent: string | null; tracestate: string | null; purchase: PurchaseToTell | null }>(
    prepared(
      // MATERIALIZED: the locked selection runs exactly once, whatever plan the UPDATE gets.
      `WITH due AS MATERIALIZED (
         SELECT id FROM notifications WHERE status = 'PENDING' AND next_attempt_at <= clock_timestamp()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
       )
       UPDATE notifications n SET attempts = n.attempts + 1, next_attempt_at = clock_timestamp() + make_interval(secs => $2::float8 / 1000)
       FROM due WHERE n.id = due.id
       RETURNING ${claimedColumns}, n.traceparent, n.tracestate, n.purchase`,
      [limit, leaseMs],
    ),
  );
  return rows.map((row) => ({ ...fromRow(row), trace: { traceparent: row.traceparent, tracestate: row.tracestate }, purchase: row.purchase }));
}

/**
 * Records the send; undefined when it was recorded before (by a dispatcher that took over an
 * expired claim), so the caller publishes NotificationSent once. A send that finished after
 * another attempt gave it up as in doubt is still recorded: it did happen.
 */
export async function markSent(
  db: Queryable,
  id: string,
  sent: { riderId: string; channel: string; recipient: string; subject: string; body: string; providerMessageId: string },
): Promise<Notification | undefined> {
  const { rows } = await db.query<NotificationRow>(
    prepared(
      `UPDATE notifications SET status = 'SENT', rider_id = $2, channel = $3, recipient = $4, subject = $5, body = $6,
         provider_message_id = $7, last_error = NULL, sent_at = clock_timestamp()
       WHERE id = $1 AND status <> 'SENT' RETURNING ${columns}`,
      [id, sent.riderId, sent.channel, sent.recipient, sent.subject, sent.body, sent.providerMessageId],
    ),
  );
  return rows[0] && fromRow(rows[0]);
}

/** Reschedules a claimed notification after a failed attempt (the claim counted the attempt). */
export async function markFailedAttempt(db: Queryable, id: string, error: string, retryInMs: number): Promise<void> {
  await db.query(
    `UPDATE notifications SET last_error = $2, next_attempt_at = clock_timestamp() + make_interval(secs => $3::float8 / 1000)
     WHERE id = $1 AND status = 'PENDING'`,
    [id, error.slice(0, 1_000), retryInMs],
  );
}

export async function markUndeliverable(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(`UPDATE notifications SET status = 'UNDELIVERABLE', last_error = $2 WHERE id = $1 AND status = 'PENDING'`, [id, error.slice(0, 1_000)]);
}

export async function listByTransactions(db: Queryable, transactionIds: readonly string[]): Promise<Notification[]> {
  const { rows } = await db.query<NotificationRow>(
    `SELECT ${columns} FROM notifications WHERE transaction_id = ANY($1) ORDER BY transaction_id, created_at`,
    [transactionIds],
  );
  return rows.map(fromRow);
}

export async function pendingStats(db: Queryable): Promise<{ pending: number; oldestAgeSeconds: number }> {
  const { rows } = await db.query<{ pending: string; oldest: number | null }>(
    `SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest FROM notifications WHERE status = 'PENDING'`,
  );
  return { pending: Number(rows[0]?.pending ?? 0), oldestAgeSeconds: Math.max(0, rows[0]?.oldest ?? 0) };
}
