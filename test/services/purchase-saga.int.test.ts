// The purchase saga across the four running services, on real Postgres and RabbitMQ.
import { loadOperationsProto, type OperationsServiceClient } from '@metrox/contracts';
import { credentials } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../support/endpoints.ts';
import { envelopeOf, publishRaw, type LoggedEvent } from './support/broker.ts';
import { eventually, http, metricValue } from './support/client.ts';
import { startFleet, type Fleet } from './support/fleet.ts';

interface Transaction {
  id: string;
  status: 'PENDING' | 'CONFIRMED' | 'FAILED';
  failureReason: string | null;
  fareCents: number;
  currency: string;
  fromStation: string;
  toStation: string;
}
interface Items<T> {
  items: T[];
}
interface Notification {
  id: string;
  outcome: string;
  status: string;
  attempts: number;
  body: string | null;
}

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet();
});

afterAll(async () => {
  await fleet.close();
});

const rider = (): string => `rider-${randomUUID().slice(0, 8)}`;

async function buy(body: Record<string, unknown>, key: string = randomUUID()) {
  return http<Transaction>(fleet.url('transaction', '/v1/transactions'), { method: 'POST', headers: { 'idempotency-key': key }, json: body });
}

async function settled(id: string): Promise<Transaction> {
  const response = await eventually(
    () => http<Transaction>(fleet.url('transaction', `/v1/transactions/${id}`)),
    (r) => r.status === 200 && r.body.status !== 'PENDING',
    `transaction ${id} to leave PENDING`,
  );
  return response.body;
}

async function notifications(transactionId: string): Promise<Notification[]> {
  return (await http<Items<Notification>>(fleet.url('notification', `/v1/notifications?transactionId=${transactionId}`))).body.items;
}

async function sentNotifications(transactionId: string, count = 1): Promise<Notification[]> {
  return eventually(
    () => notifications(transactionId),
    (items) => items.filter((n) => n.status === 'SENT').length >= count,
    `${count} sent notification(s) for ${transactionId}`,
  );
}

async function payments(transactionId: string): Promise<Items<{ id: string; status: string; failureReason: string | null }>> {
  return (await http<Items<{ id: string; status: string; failureReason: string | null }>>(fleet.url('payment', `/v1/payments?transactionId=${transactionId}`))).body;
}

async function loggedEvents(type: string, transactionId: string): Promise<LoggedEvent[]> {
  const { body } = await http<Items<LoggedEvent & { transactionId: string }>>(fleet.url('operations', `/v1/operations/events?type=${type}&limit=500`));
  return body.items.filter((event) => event.transactionId === transactionId);
}

async function consumed(service: 'payment' | 'notification', type: string, outcome: string): Promise<number> {
  return metricValue(fleet.url(service, '/metrics'), 'metrox_events_consumed_total', { type, outcome });
}

describe('the purchase saga', () => {
  it('one purchase is confirmed, charged once, counted by operations and notified once', async () => {
    const watch = watchEvents();
    try {
      const riderId = rider();
      const created = await buy({ riderId, fromStation: 'aluva', toStation: 'mg-road', paymentMethod: 'upi' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ status: 'PENDING', fareCents: 3000, currency: 'INR', fromStation: 'aluva', toStation: 'mg-road' });
      const id = created.body.id;

      expect(await settled(id)).toMatchObject({ status: 'CONFIRMED', failureReason: null });
      expect((await payments(id)).items).toMatchObject([{ status: 'CONFIRMED' }]);
      const sent = await sentNotifications(id);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ outcome: 'CONFIRMED', status: 'SENT' });

      const summary = await eventually(
        () => http<{ stations: { station: string; ticketsSold: number }[]; purchases: { confirmed: number } }>(fleet.url('operations', '/v1/operations/summary')),
        (r) => r.body.purchases.confirmed >= 1,
        'the summary to count the purchase',
      );
      expect(summary.body.stations.find((s) => s.station === 'aluva')?.ticketsSold).toBeGreaterThanOrEqual(1);
      expect(await metricValue(fleet.url('operations', '/metrics'), 'metrox_tickets_sold_total', { station: 'aluva' })).toBeGreaterThanOrEqual(1);

      const seen = await eventually(
        () => Promise.resolve(watch.events.filter((event) => event.transactionId === id).map((event) => event.type)),
        (types) => types.includes('NotificationSent'),
        'WatchEvents to stream the whole saga',
      );
      expect(new Set(seen)).toEqual(new Set(['TransactionCreated', 'PaymentConfirmed', 'TransactionCompleted', 'NotificationSent']));
    } finally {
      watch.close();
    }
  });

  it('a declined payment fails the purchase with the reason and notifies once', async () => {
    const created = await buy({ riderId: rider(), fromStation: 'kaloor', toStation: 'vyttila', paymentMethod: 'wallet' });
    expect(created.status).toBe(201);
    const id = created.body.id;

    expect(await settled(id)).toMatchObject({ status: 'FAILED', failureReason: 'insufficient wallet balance' });
    expect((await payments(id)).items).toMatchObject([{ status: 'FAILED', failureReason: 'insufficient wallet balance' }]);
    const sent = await sentNotifications(id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ outcome: 'FAILED' });
    expect(sent[0]?.body).toContain('insufficient wallet balance');
  });

  it('the same Idempotency-Key sent 20 times at once makes one purchase and one payment', async () => {
    const riderId = rider();
    const key = randomUUID();
    const body = { riderId, fromStation: 'edapally', toStation: 'kaloor', paymentMethod: 'upi' };
    const responses = await Promise.all(Array.from({ length: 20 }, () => buy(body, key)));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 201));
    const ids = new Set(responses.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const [id = ''] = ids;

    await settled(id);
    const list = await http<Items<Transaction>>(fleet.url('transaction', `/v1/transactions?riderId=${riderId}`));
    expect(list.body.items.map((t) => t.id)).toEqual([id]);
    expect((await payments(id)).items).toHaveLength(1);
    const { rows } = await fleet.db('payment').query<{ n: string }>('SELECT count(*) AS n FROM payments WHERE transaction_id = $1', [id]);
    expect(Number(rows[0]?.n)).toBe(1);

    const replay = await buy({ ...body, toStation: 'aluva' }, key);
    expect(replay.status).toBe(422);
    expect(replay.contentType).toContain('application/problem+json');
  });

  it('a redelivered PaymentConfirmed still sends one notification', async () => {
    const created = await buy({ riderId: rider(), fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' });
    const id = created.body.id;
    await sentNotifications(id);
    const [confirmed] = await eventually(() => loggedEvents('PaymentConfirmed', id), (events) => events.length === 1, 'the PaymentConfirmed in the event log');
    if (!confirmed) throw new Error('unreachable');

    const duplicatesBefore = await consumed('notification', 'PaymentConfirmed', 'duplicate');
    const processedBefore = await consumed('notification', 'PaymentConfirmed', 'processed');
    // The broker redelivers the same event, and a confused producer replays it under a new id.
    await publishRaw(endpoints().AMQP_URL, fleet.exchange, [envelopeOf(confirmed), envelopeOf(confirmed, { id: randomUUID() })]);
    await eventually(() => consumed('notification', 'PaymentConfirmed', 'duplicate'), (n) => n >= duplicatesBefore + 1, 'the redelivery to be seen as a duplicate');
    await eventually(() => consumed('notification', 'PaymentConfirmed', 'processed'), (n) => n >= processedBefore + 1, 'the replay to be handled');

    const items = await notifications(id);
    expect(items).toHaveLength(1);
    expect(items[0]?.status).toBe('SENT');
  });

  it('a redelivered TransactionCreated still charges once', async () => {
    const created = await buy({ riderId: rider(), fromStation: 'muttom', toStation: 'petta', paymentMethod: 'upi' });
    const id = created.body.id;
    await settled(id);
    const [event] = await eventually(() => loggedEvents('TransactionCreated', id), (events) => events.length === 1, 'the TransactionCreated in the event log');
    if (!event) throw new Error('unreachable');

    const duplicatesBefore = await consumed('payment', 'TransactionCreated', 'duplicate');
    const processedBefore = await consumed('payment', 'TransactionCreated', 'processed');
    await publishRaw(endpoints().AMQP_URL, fleet.exchange, [envelopeOf(event), envelopeOf(event, { id: randomUUID() })]);
    await eventually(() => consumed('payment', 'TransactionCreated', 'duplicate'), (n) => n >= duplicatesBefore + 1, 'the redelivery to be seen as a duplicate');
    await eventually(() => consumed('payment', 'TransactionCreated', 'processed'), (n) => n >= processedBefore + 1, 'the replay to be handled');

    const { rows } = await fleet.db('payment').query<{ n: string }>('SELECT count(*) AS n FROM payments WHERE transaction_id = $1', [id]);
    expect(Number(rows[0]?.n)).toBe(1);
    expect(await loggedEvents('PaymentConfirmed', id)).toHaveLength(1);
  });

  it('with Transaction down while a payment is pending, the rider is notified once it is back', async () => {
    // Cards answer after ~4 s in the test tuning: time to stop Transaction once its event is out.
    const created = await buy({ riderId: rider(), fromStation: 'aluva', toStation: 'tripunithura', paymentMethod: 'card' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await eventually(
      async () => (await fleet.db('transaction').query("SELECT 1 FROM metrox_outbox WHERE type = 'TransactionCreated' AND published_at IS NOT NULL AND envelope->'data'->>'transactionId' = $1", [id])).rowCount,
      (n) => n === 1,
      'TransactionCreated to reach the broker',
    );
    await fleet.stop('transaction');

    const waiting = await eventually(
      () => notifications(id),
      (items) => items.length === 1 && items[0]?.status === 'PENDING' && (items[0].attempts) >= 1,
      'Notification to try and fail to reach Transaction',
    );
    expect(waiting[0]?.status).toBe('PENDING');

    await fleet.start('transaction');
    const sent = await sentNotifications(id);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.attempts).toBeGreaterThanOrEqual(2);
    expect(await settled(id)).toMatchObject({ status: 'CONFIRMED' });
    expect(await notifications(id)).toHaveLength(1);
  });
});

function watchEvents(): { events: { type: string; transactionId: string }[]; close: () => void } {
  const Client = loadOperationsProto().metrox.operations.v1.OperationsService;
  const client: OperationsServiceClient = new Client(fleet.grpcAddress('operations'), credentials.createInsecure());
  const events: { type: string; transactionId: string }[] = [];
  const stream = client.watchEvents({ types: [] });
  stream.on('data', (event: { type: string; transactionId: string }) => events.push({ type: event.type, transactionId: event.transactionId }));
  stream.on('error', () => undefined); // cancelled on close
  return {
    events,
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}
