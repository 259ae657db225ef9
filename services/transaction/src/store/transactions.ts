// The transaction service's tables, as SQL and nothing else. Every function takes the
// caller's client, so writes share the caller's database transaction (and its outbox row).
import type { PaymentMethod, RiderContact } from '@metrox/contracts';
import { prepared, type Tx } from '@metrox/kit';
import type { Cursor } from '../domain/cursor.ts';
import type { TransactionStatus } from '../domain/state-machine.ts';

/** Anything that runs a query: a pool or a client inside a transaction. */
export type Queryable = Pick<Tx, 'query'>;

export interface Transaction {
  id: string;
  riderId: string;
  fromStation: string;
  toStation: string;
  paymentMethod: PaymentMethod;
  fareCents: number;
  currency: string;
  status: TransactionStatus;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface StoredTransaction extends Transaction {
  idempotencyKey: string;
  requestFingerprint: string;
}

interface TransactionRow {
  id: string;
  rider_id: string;
  from_station: string;
  to_station: string;
  payment_method: PaymentMethod;
  fare_cents: string;
  currency: string;
  status: TransactionStatus;
  failure_reason: string | null;
  idempotency_key: string;
  request_fingerprint: string;
  /** Text with microseconds, so cursors compare exactly. */
  created_at: string;
  updated_at: string;
}

const columns = `id, rider_id, from_station, to_station, payment_method, fare_cents, currency, status, failure_reason,
  idempotency_key, request_fingerprint,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at`;

function fromRow(row: TransactionRow): StoredTransaction {
  return {
    id: row.id,
    riderId: row.rider_id,
    fromStation: row.from_station,
    toStation: row.to_station,
    paymentMethod: row.payment_method,
    fareCents: Number(row.fare_cents),
    currency: row.currency,
    status: row.status,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    idempotencyKey: row.idempotency_key,
    requestFingerprint: row.request_fingerprint,
  };
}

/** The public view: what clients, events and gRPC see. */
export function publicView(transaction: StoredTransaction): Transaction {
  const { idempotencyKey: _key, requestFingerprint: _fingerprint, ...view } = transaction;
  return view;
}

export type NewPurchase = Pick<
  StoredTransaction,
  'id' | 'riderId' | 'fromStation' | 'toStation' | 'paymentMethod' | 'fareCents' | 'currency' | 'idempotencyKey' | 'requestFingerprint'
>;

/**
 * Inserts the purchase unless its Idempotency-Key exists. Concurrent inserts with one key
 * serialise on the unique index: one creates, the others wait for its commit and get undefined.
 */
export async function insertPurchase(db: Queryable, purchase: NewPurchase): Promise<StoredTransaction | undefined> {
  // One round trip: the rider (first purchase) and the purchase. The foreign key is checked
  // at the end of the statement, when the rider's row exists either way.
  const { rows } = await db.query<TransactionRow>(
    prepared(
      `WITH rider AS (INSERT INTO riders (id) VALUES ($2) ON CONFLICT (id) DO NOTHING)
       INSERT INTO transactions (id, rider_id, from_station, to_station, payment_method, fare_cents, currency,
         idempotency_key, request_fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${columns}`,
      [
        purchase.id,
        purchase.riderId,
        purchase.fromStation,
        purchase.toStation,
        purchase.paymentMethod,
        purchase.fareCents,
        purchase.currency,
        purchase.idempotencyKey,
        purchase.requestFingerprint,
    ],
    ),
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function findByIdempotencyKey(db: Queryable, key: string): Promise<StoredTransaction | undefined> {
  const { rows } = await db.query<TransactionRow>(`SELECT ${columns} FROM transactions WHERE idempotency_key = $1`, [key]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function findTransaction(db: Queryable, id: string): Promise<StoredTransaction | undefined> {
  const { rows } = await db.query<TransactionRow>(prepared(`SELECT ${columns} FROM transactions WHERE id = $1`, [id]));
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Moves a PENDING transaction to its final status; undefined when it is not (or no longer) PENDING. */
export async function completeIfPending(
  db: Queryable,
  id: string,
  status: 'CONFIRMED' | 'FAILED',
  reason: string | undefined,
): Promise<{ transaction: StoredTransaction; riderContact: RiderContact } | undefined> {
  // One round trip: the update and the rider's contact, which TransactionCompleted carries
  // so that Notification never has to ask for it.
  const { rows } = await db.query<TransactionRow & { display_name: string; email: string; phone: string }>(
    prepared(
      `WITH completed AS (
         UPDATE transactions SET status = $2, failure_reason = $3, updated_at = clock_timestamp()
         WHERE id = $1 AND status = 'PENDING' RETURNING ${columns}
       )
       SELECT completed.*, riders.display_name, riders.email, riders.phone
       FROM completed JOIN riders ON riders.id = completed.rider_id`,
      [id, status, reason ?? null],
    ),
  );
  const row = rows[0];
  return row && { transaction: fromRow(row), riderContact: { displayName: row.display_name, email: row.email, phone: row.phone } };
}

/** One page of a rider's purchases, newest first, after the cursor's row. */
export async function listByRider(db: Queryable, riderId: string, limit: number, after: Cursor | undefined): Promise<StoredTransaction[]> {
  const { rows } = after
    ? await db.query<TransactionRow>(
        `SELECT ${columns} FROM transactions
         WHERE rider_id = $1 AND (created_at, id) < ($2::timestamptz, $3::uuid)
         ORDER BY created_at DESC, id DESC LIMIT $4`,
        [riderId, after.createdAt, after.id, limit],
      )
    : await db.query<TransactionRow>(
        `SELECT ${columns} FROM transactions WHERE rider_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
        [riderId, limit],
      );
  return rows.map(fromRow);
}

export interface Rider {
  id: string;
  displayName: string;
  email: string;
  phone: string;
}

export async function findRider(db: Queryable, id: string): Promise<Rider | undefined> {
  const { rows } = await db.query<{ id: string; display_name: string; email: string; phone: string }>(
    prepared(
      'SELECT id, display_name, email, phone FROM riders WHERE id = $1',
      [id],
    ),
  );
  const row = rows[0];
  return row ? { id: row.id, displayName: row.display_name, email: row.email, phone: row.phone } : undefined;
}

export async function upsertRider(db: Queryable, rider: Rider): Promise<Rider> {
  await db.query(
    `INSERT INTO riders (id, display_name, email, phone) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET display_name = $2, email = $3, phone = $4, updated_at = clock_timestamp()`,
    [rider.id, rider.displayName, rider.email, rider.phone],
  );
  return rider;
}
