// The same services on the second broker the kit supports: NATS JetStream.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, http } from './support/client.ts';
import { startFleet, type Fleet } from './support/fleet.ts';

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({ broker: 'nats' });
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
