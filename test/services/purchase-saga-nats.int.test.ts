// The same services on the second broker the kit supports, NATS JetStream, with a card
// provider that is down: a purchase never stays PENDING because a provider never answers.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, http, metricValue } from './support/client.ts';
import { startFleet, type Fleet } from './support/fleet.ts';

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({ broker: 'nats', env: { PAYMENT_GATEWAY_LATENCY_MS: '5', PAYMENT_GATEWAY_ERROR_RATIO: 'card=1' } });
});

afterAll(async () => {
  await (fleet as Fleet | undefined)?.close(); // undefined when beforeAll failed
});

it('over NATS JetStream a purchase is confirmed, charged, counted and notified once', async () => {
  const created = await http<{ id: string }>(fleet.url('transaction', '/v1/transactions'), {
    method: 'POST',
    headers: { 'idempotency-key': randomUUID() },
    json: { riderId: `rider-${randomUUID().slice(0, 8)}`, fromStation: 'kaloor', toStation: 'aluva', paymentMethod: 'upi' },
  });
  expect(created.status).toBe(201);
  const id = created.body.id;

  const notifications = await eventually(
    () => http<{ items: { status: string; outcome: string }[] }>(fleet.url('notification', `/v1/notifications?transactionId=${id}`)),
    (r) => r.body.items.some((n) => n.status === 'SENT'),
    'the notification',
  );
  expect(notifications.body.items).toMatchObject([{ status: 'SENT', outcome: 'CONFIRMED' }]);
  expect((await http<{ status: string }>(fleet.url('transaction', `/v1/transactions/${id}`))).body.status).toBe('CONFIRMED');
  expect((await http<{ items: unknown[] }>(fleet.url('payment', `/v1/payments?transactionId=${id}`))).body.items).toHaveLength(1);
  await eventually(
    () => http<{ purchases: { confirmed: number } }>(fleet.url('operations', '/v1/operations/summary')),
    (r) => r.body.purchases.confirmed === 1,
    'operations to count the purchase',
  );
});

it('a payment provider that never answers fails the purchase after the retries, and the rider is told', async () => {
  const created = await http<{ id: string }>(fleet.url('transaction', '/v1/transactions'), {
    method: 'POST',
    headers: { 'idempotency-key': randomUUID() },
    json: { riderId: `rider-${randomUUID().slice(0, 8)}`, fromStation: 'aluva', toStation: 'vyttila', paymentMethod: 'card' },
  });
  expect(created.status).toBe(201);
  const id = created.body.id;
  const settled = await eventually(
    () => http<{ status: string; failureReason: string | null }>(fleet.url('transaction', `/v1/transactions/${id}`)),
    (r) => r.body.status !== 'PENDING',
    'the purchase to settle',
  );
  expect(settled.body).toMatchObject({ status: 'FAILED', failureReason: 'the payment provider did not answer; you have not been charged' });
  expect(await metricValue(fleet.url('payment', '/metrics'), 'metrox_events_consumed_total', { type: 'TransactionCreated', outcome: 'retried' })).toBeGreaterThanOrEqual(3);
  await eventually(
    () => http<{ items: { status: string; outcome: string }[] }>(fleet.url('notification', `/v1/notifications?transactionId=${id}`)),
    (r) => r.body.items.some((n) => n.status === 'SENT' && n.outcome === 'FAILED'),
    'the failure notification',
  );
});
