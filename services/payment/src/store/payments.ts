// The payment service's tables, as SQL only; every function takes the caller's client.
import type { PaymentMethod } from '@metrox/contracts';
import { prepared, type Tx } from '@metrox/kit';

export type Queryable = Pick<Tx, 'query'>;
export type PaymentStatus = 'CONFIRMED' | 'FAILED' | 'REFUNDED';

export interface Payment {
  id: string;
  transactionId: string;
  method: PaymentMethod;
  amountCents: number;
  currency: string;
  status: PaymentStatus;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
}

interface PaymentRow {
  id: string;
  transaction_id: string;
  method: PaymentMethod;
  amount_cents: string;
  currency: string;
  status: PaymentStatus;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const columns = 'id, transaction_id, method, amount_cents, currency, status, failure_reason, created_at, updated_at';

function fromRow(row: PaymentRow): Payment {
  return {
    id: row.id,
    transactionId: row.transaction_id,
    method: row.method,
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    status: row.status,
    failureReason: row.failure_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function findByTransaction(db: Queryable, transactionId: string): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(prepared(`SELECT ${columns} FROM payments WHERE transaction_id = $1`, [transactionId]));
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function findPayment(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(`SELECT ${columns} FROM payments WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export interface NewPayment {
  id: string;
  transactionId: string;
  method: PaymentMethod;
  amountCents: number;
  currency: string;
  status: 'CONFIRMED' | 'FAILED';
  failureReason: string | null;
  gatewayReference: string | null;
  /** The instrument as the cipher helper's ciphertext (`mx1.…`), never the plain value. */
  instrumentCiphertext: string;
}

/**
 * Records the payment unless the transaction already has one (the unique constraint on
 * transaction_id decides, across replicas): undefined then, and never two charges recorded.
 */
export async function insertPayment(db: Queryable, payment: NewPayment): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(
    prepared(
      `INSERT INTO payments (id, transaction_id, method, amount_cents, currency, status, failure_reason, gateway_reference, instrument_ciphertext)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (transaction_id) DO NOTHING
       RETURNING ${columns}`,
      [
        payment.id,
        payment.transactionId,
        payment.method,
        payment.amountCents,
        payment.currency,
        payment.status,
        payment.failureReason,
        payment.gatewayReference,
        payment.instrumentCiphertext,
    ],
    ),
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** What a refund needs from the charge: the provider's reference and the instrument, still encrypted. */
export async function chargeDetails(db: Queryable, paymentId: string): Promise<{ gatewayReference: string | null; instrumentCiphertext: string | null }> {
  const { rows } = await db.query<{ gateway_reference: string | null; instrument_ciphertext: string | null }>(
    'SELECT gateway_reference, instrument_ciphertext FROM payments WHERE id = $1',
    [paymentId],
  );
  return { gatewayReference: rows[0]?.gateway_reference ?? null, instrumentCiphertext: rows[0]?.instrument_ciphertext ?? null };
}

export interface Refund {
  id: string;
  paymentId: string;
  idempotencyKey: string;
}

export async function findRefundByKey(db: Queryable, idempotencyKey: string): Promise<Refund | undefined> {
  const { rows } = await db.query<{ id: string; payment_id: string; idempotency_key: string }>(
    'SELECT id, payment_id, idempotency_key FROM refunds WHERE idempotency_key = $1',
    [idempotencyKey],
  );
  const row = rows[0];
  return row ? { id: row.id, paymentId: row.payment_id, idempotencyKey: row.idempotency_key } : undefined;
}

export async function recordRefund(
  db: Queryable,
  refund: { id: string; paymentId: string; idempotencyKey: string; reason: string; amountCents: number; gatewayReference: string },
): Promise<Payment> {
  await db.query(
    `INSERT INTO refunds (id, payment_id, idempotency_key, reason, amount_cents, gateway_reference) VALUES ($1, $2, $3, $4, $5, $6)`,
    [refund.id, refund.paymentId, refund.idempotencyKey, refund.reason, refund.amountCents, refund.gatewayReference],
  );
  const { rows } = await db.query<PaymentRow>(
    `UPDATE payments SET status = 'REFUNDED', updated_at = clock_timestamp() WHERE id = $1 RETURNING ${columns}`,
    [refund.paymentId],
  );
  const row = rows[0];
  if (!row) throw new Error(`payment ${refund.paymentId} vanished during its refund`);
  return fromRow(row);
}
