// Payment keeps payment instruments only as the cipher helper's ciphertext: real
// Transaction and Payment processes, a real helper process, the table read directly.
import { loadPaymentProto, type PaymentServiceClient } from '@metrox/contracts';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentReference } from '../../services/payment/src/instrument/instrument.ts';
import { eventually, http, metricValue } from './support/client.ts';
import { settledTransaction, startFleet, type Fleet } from './support/fleet.ts';

interface Transaction {
  id: string;
  status: 'PENDING' | 'CONFIRMED' | 'FAILED';
}
interface PaymentRow {
  id: string;
  status: string;
  instrument_ciphertext: string | null;
}

let fleet: Fleet;
let payments: PaymentServiceClient;

beforeAll(async () => {
  fleet = await startFleet({
    services: ['transaction', 'payment'],
    // Short cipher deadlines, so attempts during an outage come quickly.
    env: { PAYMENT_CIPHER_DEADLINE_MS: '500' },
  });
  const Client = loadPaymentProto().metrox.payment.v1.PaymentService;
  payments = new Client(fleet.grpcAddress('payment'), credentials.createInsecure());
});

afterAll(async () => {
  (payments as PaymentServiceClient | undefined)?.close();
  await (fleet as Fleet | undefined)?.close(); // undefined when beforeAll failed
});

async function buy(riderId: string): Promise<string> {
  const created = await http<Transaction>(fleet.url('transaction', '/v1/transactions'), {
    method: 'POST',
    headers: { 'idempotency-key': randomUUID() },
    json: { riderId, fromStation: 'aluva', toStation: 'mg-road', paymentMethod: 'upi' },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

function settled(id: string): Promise<Transaction> {
  return settledTransaction<Transaction>(fleet, id);
}

async function paymentRows(transactionId: string): Promise<PaymentRow[]> {
  const { rows } = await fleet.db('payment').query<PaymentRow>('SELECT id, status, instrument_ciphertext FROM payments WHERE transaction_id = $1', [transactionId]);
  return rows;
}

function refund(paymentId: string): Promise<{ payment: { status: string } | null; refundId: string }> {
  return new Promise((resolve, reject) => {
    payments.Refund({ paymentId, reason: 'rider cancelled', idempotencyKey: randomUUID() }, (error: ServiceError | null, value) => {
      if (error) reject(error);
      else if (!value) reject(new Error('no response'));
      else resolve(value);
    });
  });
}

describe('payment instruments through the cipher helper', () => {
  it('the stored instrument is helper ciphertext, and Refund decrypts it through the helper', async () => {
    const riderId = `rider-${randomUUID().slice(0, 8)}`;
    const plain = instrumentReference('upi', riderId);
    const id = await buy(riderId);
    expect(await settled(id)).toMatchObject({ status: 'CONFIRMED' });

    const [row, ...others] = await paymentRows(id);
    expect(others).toHaveLength(0);
    expect(row?.instrument_ciphertext).toMatch(/^mx1\./);
    // Nowhere in the row, in any column, is the plain value.
    const { rows: raw } = await fleet.db('payment').query<Record<string, unknown>>('SELECT * FROM payments WHERE transaction_id = $1', [id]);
    expect(JSON.stringify(raw)).not.toContain(plain);
    expect(JSON.stringify(raw)).not.toContain(riderId);

    // The table refuses anything that is not helper ciphertext.
    await expect(fleet.db('payment').query('UPDATE payments SET instrument_ciphertext = $1 WHERE transaction_id = $2', [plain, id])).rejects.toThrow(/check constraint/);

    const decryptsBefore = await metricValue(fleet.cipher.metricsUrl, 'cipher_requests_total', { op: 'decrypt', outcome: 'ok' });
    // The simulated provider refunds only to the instrument it charged: the decrypted value must be the plain one.
    const refunded = await refund(row?.id ?? '');
    expect(refunded.payment?.status).toBe('REFUNDED');
    expect(await metricValue(fleet.cipher.metricsUrl, 'cipher_requests_total', { op: 'decrypt', outcome: 'ok' })).toBe(decryptsBefore + 1);
  });

  it('with the helper stopped, a purchase waits and is charged once when the helper is back', async () => {
    await fleet.cipher.stop();
    let restarted = false;
    try {
      const id = await buy(`rider-${randomUUID().slice(0, 8)}`);
      // At least two failed attempts: the inbox retries, nothing is stored or charged meanwhile.
      await eventually(
        () => metricValue(fleet.url('payment', '/metrics'), 'metrox_events_consumed_total', { type: 'TransactionCreated', outcome: 'retried' }),
        (retried) => retried >= 2,
        'Payment to retry the purchase while the helper is down',
      );
      expect(await paymentRows(id)).toHaveLength(0);
      expect((await http<Transaction>(fleet.url('transaction', `/v1/transactions/${id}`))).body.status).toBe('PENDING');

      await fleet.cipher.start();
      restarted = true;
      expect(await settled(id)).toMatchObject({ status: 'CONFIRMED' });
      const rows = await paymentRows(id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'CONFIRMED', instrument_ciphertext: expect.stringMatching(/^mx1\./) as unknown });
      expect(await metricValue(fleet.url('payment', '/metrics'), 'metrox_events_consumed_total', { type: 'TransactionCreated', outcome: 'dead_lettered' })).toBe(0);
    } finally {
      if (!restarted) await fleet.cipher.start();
    }
  });
});
