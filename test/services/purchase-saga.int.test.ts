// The purchase saga across the four running services, on real Postgres and RabbitMQ.
import {
  loadOperationsProto,
  loadPaymentProto,
  loadTransactionProto,
  type OperationsServiceClient,
  type PaymentServiceClient,
  type TransactionServiceClient,
} from '@metrox/contracts';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../support/endpoints.ts';
import { envelopeOf, publishRaw, type LoggedEvent } from './support/broker.ts';
import { eventually, http, metricValue } from './support/client.ts';
import { settledTransaction, startFleet, type Fleet } from './support/fleet.ts';

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
  transactionId: string;
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
  await (fleet as Fleet | undefined)?.close(); // undefined when beforeAll failed
});

const rider = (): string => `rider-${randomUUID().slice(0, 8)}`;

async function buy(body: Record<string, unknown>, key: string = randomUUID()) {
  return http<Transaction>(fleet.url('transaction', '/v1/transactions'), { method: 'POST', headers: { 'idempotency-key': key }, json: body });
}

function settled(id: string): Promise<Transaction> {
  return settledTransaction<Transaction>(fleet, id);
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
      await watch.subscribed;
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

  it('notifications of several purchases come in one request', async () => {
    const ids = await Promise.all(
      ['card', 'wallet'].map(async (paymentMethod) => (await buy({ riderId: rider(), fromStation: 'aluva', toStation: 'kaloor', paymentMethod })).body.id),
    );
    await Promise.all(ids.map((id) => sentNotifications(id)));
    const both = await http<Items<Notification>>(fleet.url('notification', `/v1/notifications?${ids.map((id) => `transactionId=${id}`).join('&')}`));
    expect(both.status).toBe(200);
    expect(both.body.items.map((n) => n.transactionId).sort()).toEqual([...ids].sort());
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

  it('a redelivered TransactionCompleted still sends one notification', async () => {
    const created = await buy({ riderId: rider(), fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' });
    const id = created.body.id;
    await sentNotifications(id);
    const [completed] = await eventually(() => loggedEvents('TransactionCompleted', id), (events) => events.length === 1, 'the TransactionCompleted in the event log');
    if (!completed) throw new Error('unreachable');

    const duplicatesBefore = await consumed('notification', 'TransactionCompleted', 'duplicate');
    const processedBefore = await consumed('notification', 'TransactionCompleted', 'processed');
    // The broker redelivers the same event, and a confused producer replays it under a new id.
    await publishRaw(endpoints().AMQP_URL, fleet.exchange, [envelopeOf(completed), envelopeOf(completed, { id: randomUUID() })]);
    await eventually(() => consumed('notification', 'TransactionCompleted', 'duplicate'), (n) => n >= duplicatesBefore + 1, 'the redelivery to be seen as a duplicate');
    await eventually(() => consumed('notification', 'TransactionCompleted', 'processed'), (n) => n >= processedBefore + 1, 'the replay to be handled');

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

  it('with Transaction down, a rider whose purchase completed is notified all the same, with the contact Transaction knew', async () => {
    const riderId = rider();
    const contact = await http(fleet.url('transaction', `/v1/riders/${riderId}`), { method: 'PUT', json: { displayName: 'Meera', email: `${riderId}@example.org` } });
    expect(contact.status).toBe(200);
    // Notification is away while the purchase completes, so the notification can only happen after Transaction stopped.
    const stopped = new Set<'transaction' | 'notification'>();
    const stop = async (service: 'transaction' | 'notification') => {
      stopped.add(service);
      await fleet.stop(service);
    };
    const start = async (service: 'transaction' | 'notification') => {
      await fleet.start(service);
      stopped.delete(service);
    };
    await stop('notification');
    try {
      const created = await buy({ riderId, fromStation: 'aluva', toStation: 'tripunithura', paymentMethod: 'upi' });
      expect(created.status).toBe(201);
      const id = created.body.id;
      await eventually(
        async () => (await fleet.db('transaction').query("SELECT 1 FROM metrox_outbox WHERE type = 'TransactionCompleted' AND published_at IS NOT NULL AND envelope->'data'->>'transactionId' = $1", [id])).rowCount,
        (n) => n === 1,
        'TransactionCompleted to reach the broker',
      );
      await stop('transaction');
      await start('notification');

      const [sent] = await sentNotifications(id);
      expect(sent?.body).toContain('Hello Meera');
      expect(sent?.body).toContain('aluva → tripunithura');
      const { rows } = await fleet.db('notification').query<{ recipient: string; channel: string }>('SELECT recipient, channel FROM notifications WHERE transaction_id = $1', [id]);
      expect(rows).toEqual([{ recipient: riderId, channel: 'log' }]);
      const down = await fetch(fleet.url('transaction', '/healthz')).then(() => false, () => true);
      expect(down, 'Transaction stayed down throughout').toBe(true);
    } finally {
      for (const service of [...stopped]) await start(service);
    }
  });
});

function watchEvents(): { events: { type: string; transactionId: string }[]; subscribed: Promise<void>; close: () => void } {
  const Client = loadOperationsProto().metrox.operations.v1.OperationsService;
  const client: OperationsServiceClient = new Client(fleet.grpcAddress('operations'), credentials.createInsecure());
  const events: { type: string; transactionId: string }[] = [];
  const stream = client.watchEvents({ types: [] });
  stream.on('data', (event: { type: string; transactionId: string }) => events.push({ type: event.type, transactionId: event.transactionId }));
  stream.on('error', () => undefined); // cancelled on close
  // The server sends headers once the watch is in place: events after that are not missed.
  const subscribed = new Promise<void>((resolve) => stream.once('metadata', () => { resolve(); }));
  return {
    events,
    subscribed,
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}

describe('the public APIs', () => {
  it('every service serves /healthz, /readyz, /metrics and /openapi.json', async () => {
    for (const service of ['transaction', 'payment', 'operations', 'notification'] as const) {
      expect((await http(fleet.url(service, '/healthz'))).status, `${service} /healthz`).toBe(200);
      expect((await http(fleet.url(service, '/readyz'))).status, `${service} /readyz`).toBe(200);
      expect((await http(fleet.url(service, '/metrics'))).status, `${service} /metrics`).toBe(200);
      const openapi = await http<{ openapi: string; paths: Record<string, unknown> }>(fleet.url(service, '/openapi.json'));
      expect(openapi.body.openapi, `${service} /openapi.json`).toMatch(/^3\./);
      expect(Object.keys(openapi.body.paths).some((path) => path.startsWith('/v1/')), `${service} documents its API`).toBe(true);
    }
  });

  it('every endpoint rejects malformed input with a 4xx problem+json, never a 5xx', async () => {
    const valid = { riderId: 'r-1', fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' };
    const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': randomUUID() }) =>
      http(fleet.url('transaction', '/v1/transactions'), { method: 'POST', body, headers });
    const cases: [string, () => Promise<{ status: number; contentType: string; body: unknown }>, number][] = [
      ['purchase without Idempotency-Key', () => post(JSON.stringify(valid), { 'content-type': 'application/json' }), 400],
      ['purchase with a blank Idempotency-Key', () => post(JSON.stringify(valid), { 'content-type': 'application/json', 'idempotency-key': ' ' }), 400],
      ['purchase that is not JSON', () => post('{"riderId": '), 400],
      ['purchase that is an array', () => post('[]'), 400],
      ['purchase missing fields', () => post(JSON.stringify({ riderId: 'r-1' })), 400],
      ['purchase with an unknown payment method', () => post(JSON.stringify({ ...valid, paymentMethod: 'cash' })), 400],
      ['purchase with an extra field', () => post(JSON.stringify({ ...valid, discount: 100 })), 400],
      ['purchase with a huge rider id', () => post(JSON.stringify({ ...valid, riderId: 'r'.repeat(10_000) })), 400],
      // A JSON body is taken as sent: a number is not a station id (no coercion to "1").
      ['purchase with a number for a station', () => post(JSON.stringify({ ...valid, fromStation: 1 })), 400],
      ['purchase with a NUL character in a station', () => post(JSON.stringify({ ...valid, fromStation: 'alu\u0000va' })), 400],
      ['purchase with an object for a station', () => post(JSON.stringify({ ...valid, fromStation: { id: 'aluva' } })), 400],
      ['purchase from an unknown station', () => post(JSON.stringify({ ...valid, fromStation: 'atlantis' })), 422],
      ['purchase to the station it starts from', () => post(JSON.stringify({ ...valid, toStation: 'aluva' })), 422],
      ['purchase as plain text', () => post('hello', { 'content-type': 'text/plain', 'idempotency-key': randomUUID() }), 400],
      ['purchase as XML', () => post('<purchase/>', { 'content-type': 'application/xml', 'idempotency-key': randomUUID() }), 415],
      ['transaction with a malformed id', () => http(fleet.url('transaction', '/v1/transactions/not-a-uuid')), 400],
      ['transaction that does not exist', () => http(fleet.url('transaction', `/v1/transactions/${randomUUID()}`)), 404],
      ['transactions without riderId', () => http(fleet.url('transaction', '/v1/transactions')), 400],
      ['transactions with limit 0', () => http(fleet.url('transaction', '/v1/transactions?riderId=r-1&limit=0')), 400],
      ['transactions with a non-numeric limit', () => http(fleet.url('transaction', '/v1/transactions?riderId=r-1&limit=ten')), 400],
      ['transactions with a cursor that is not base64url', () => http(fleet.url('transaction', '/v1/transactions?riderId=r-1&cursor=a%2Bb')), 400],
      // Well-formed, but not a position this API issued: refused before it reaches a query.
      ['transactions with a forged cursor', () => http(fleet.url('transaction', '/v1/transactions?riderId=r-1&cursor=Zm9v')), 422],
      [
        'transactions with a cursor whose date Postgres cannot hold',
        () => http(fleet.url('transaction', `/v1/transactions?riderId=r-1&cursor=${Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000000Z', randomUUID()])).toString('base64url')}`)),
        422,
      ],
      ['rider with a NUL character in the name', () => http(fleet.url('transaction', '/v1/riders/r-1'), { method: 'PUT', json: { displayName: 'a\u0000b' } }), 400],
      ['rider with null for a phone', () => http(fleet.url('transaction', '/v1/riders/r-1'), { method: 'PUT', json: { phone: null } }), 400],
      ['rider with an id longer than 200 characters', () => http(fleet.url('transaction', `/v1/riders/${'r'.repeat(201)}`), { method: 'PUT', json: {} }), 400],
      ['rider with a bad e-mail', () => http(fleet.url('transaction', '/v1/riders/r-1'), { method: 'PUT', json: { email: 'not-an-email' } }), 400],
      ['rider with a bad phone', () => http(fleet.url('transaction', '/v1/riders/r-1'), { method: 'PUT', json: { phone: '12' } }), 400],
      ['payments without transactionId', () => http(fleet.url('payment', '/v1/payments')), 400],
      ['payment with a malformed id', () => http(fleet.url('payment', '/v1/payments/xyz')), 400],
      ['payment that does not exist', () => http(fleet.url('payment', `/v1/payments/${randomUUID()}`)), 404],
      ['payments of a transaction id with a NUL character', () => http(fleet.url('payment', '/v1/payments?transactionId=t%00')), 400],
      ['notifications without transactionId', () => http(fleet.url('notification', '/v1/notifications')), 400],
      ['notifications with an empty transactionId', () => http(fleet.url('notification', '/v1/notifications?transactionId=')), 400],
      ['notifications of a transaction id with a NUL character', () => http(fleet.url('notification', '/v1/notifications?transactionId=t%00')), 400],
      [
        'notifications for more than 100 transactions at once',
        () => http(fleet.url('notification', `/v1/notifications?${Array.from({ length: 101 }, (_, i) => `transactionId=t-${i}`).join('&')}`)),
        400,
      ],
      ['operations events with a negative limit', () => http(fleet.url('operations', '/v1/operations/events?limit=-1')), 400],
      ['operations events of an unknown type', () => http(fleet.url('operations', '/v1/operations/events?type=Nope')), 400],
      ['an unknown route', () => http(fleet.url('operations', '/v1/nothing-here')), 404],
      ['a method the path does not have', () => http(fleet.url('transaction', '/v1/stations'), { method: 'DELETE' }), 405],
    ];
    for (const [what, request, status] of cases) {
      const response = await request();
      expect(response.status, what).toBe(status);
      expect(response.contentType, what).toContain('application/problem+json');
      expect(response.body, what).toMatchObject({ status, title: expect.any(String) as string, type: expect.any(String) as string });
    }
  });

  it('an unknown station is named in the problem', async () => {
    const response = await buy({ riderId: rider(), fromStation: 'atlantis', toStation: 'kaloor', paymentMethod: 'card' });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      detail: 'unknown station "atlantis"',
      errors: [{ pointer: 'body#/fromStation', detail: 'unknown station "atlantis"' }],
    });
  });

  it('a rider pages through their purchases with a cursor', async () => {
    const riderId = rider();
    const ids: string[] = [];
    for (const toStation of ['kaloor', 'edapally', 'vyttila']) {
      ids.push((await buy({ riderId, fromStation: 'aluva', toStation, paymentMethod: 'upi' })).body.id);
    }
    const first = await http<{ items: Transaction[]; nextCursor: string | null }>(fleet.url('transaction', `/v1/transactions?riderId=${riderId}&limit=2`));
    expect(first.body.items.map((t) => t.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await http<{ items: Transaction[]; nextCursor: string | null }>(
      fleet.url('transaction', `/v1/transactions?riderId=${riderId}&limit=2&cursor=${first.body.nextCursor ?? ''}`),
    );
    expect(second.body.items.map((t) => t.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
  });
});

describe('the internal gRPC APIs', () => {
  it('Transaction answers lookups and rejects malformed ones', async () => {
    const riderId = rider();
    await http(fleet.url('transaction', `/v1/riders/${riderId}`), { method: 'PUT', json: { displayName: 'Asha', phone: '+919876543210' } });
    const created = await buy({ riderId, fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' });
    const client = transactionClient();
    try {
      expect(await call((cb) => client.getTransaction({ id: created.body.id }, cb))).toMatchObject({ id: created.body.id, riderId, fareCents: 3000 });
      expect(await call((cb) => client.getRiderContact({ riderId }, cb))).toEqual({ riderId, displayName: 'Asha', phone: '+919876543210', email: '' });
      await expect(call((cb) => client.getTransaction({ id: 'nope' }, cb))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
      await expect(call((cb) => client.getTransaction({ id: randomUUID() }, cb))).rejects.toMatchObject({ code: status.NOT_FOUND });
      await expect(call((cb) => client.getRiderContact({ riderId: 'never-bought' }, cb))).rejects.toMatchObject({ code: status.NOT_FOUND });
    } finally {
      client.close();
    }
  });

  it('Payment refunds a confirmed payment once per idempotency key', async () => {
    const created = await buy({ riderId: rider(), fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' });
    await settled(created.body.id);
    const client = paymentClient();
    try {
      const payment = await call<{ id: string; status: string }>((cb) => client.getPayment({ transactionId: created.body.id }, cb));
      expect(payment).toMatchObject({ transactionId: created.body.id, status: 'CONFIRMED', amountCents: 3000 });
      const key = randomUUID();
      const first = await call<{ payment?: { status: string } | null; refundId: string }>((cb) => client.refund({ paymentId: payment.id, reason: 'rider cancelled', idempotencyKey: key }, cb));
      const again = await call<{ refundId: string }>((cb) => client.refund({ paymentId: payment.id, reason: 'rider cancelled', idempotencyKey: key }, cb));
      expect(first.payment?.status).toBe('REFUNDED');
      expect(again.refundId).toBe(first.refundId);
      await expect(call((cb) => client.refund({ paymentId: payment.id, reason: 'again', idempotencyKey: randomUUID() }, cb))).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
      });
      await expect(call((cb) => client.refund({ paymentId: 'x', reason: 'r', idempotencyKey: 'k' }, cb))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
      await expect(call((cb) => client.getPayment({}, cb))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    } finally {
      client.close();
    }
  });

  it('WatchEvents rejects an unknown event type', async () => {
    const Client = loadOperationsProto().metrox.operations.v1.OperationsService;
    const client: OperationsServiceClient = new Client(fleet.grpcAddress('operations'), credentials.createInsecure());
    try {
      const error = await new Promise<ServiceError>((resolve) => {
        const stream = client.watchEvents({ types: ['TicketTeleported'] });
        stream.on('error', resolve);
        stream.on('data', () => undefined);
      });
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('TicketTeleported');
    } finally {
      client.close();
    }
  });

  it('a contradicting payment outcome never flips a completed transaction and is dead-lettered at once, never retried', async () => {
    const created = await buy({ riderId: rider(), fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' });
    const id = created.body.id;
    await settled(id);
    const [confirmed] = await eventually(() => loggedEvents('PaymentConfirmed', id), (events) => events.length === 1, 'the PaymentConfirmed in the event log');
    if (!confirmed) throw new Error('unreachable');
    const consumedAs = (outcome: string) => metricValue(fleet.url('transaction', '/metrics'), 'metrox_events_consumed_total', { type: 'PaymentFailed', outcome });
    const [retriedBefore, deadBefore] = [await consumedAs('retried'), await consumedAs('dead_lettered')];
    const contradiction = { ...confirmed, id: randomUUID(), type: 'PaymentFailed', data: { ...confirmed.data, reason: 'late decline', failedAt: confirmed.time } };
    delete (contradiction.data as Record<string, unknown>).confirmedAt;
    await publishRaw(endpoints().AMQP_URL, fleet.exchange, [envelopeOf(contradiction)]);
    // A permanent failure: dead-lettered on its first attempt for a human, never retried.
    await eventually(() => consumedAs('dead_lettered'), (n) => n === deadBefore + 1, 'Transaction to dead-letter the contradicting outcome');
    expect(await consumedAs('retried')).toBe(retriedBefore);
    expect((await http<Transaction>(fleet.url('transaction', `/v1/transactions/${id}`))).body).toMatchObject({ status: 'CONFIRMED', failureReason: null });
  });
});

function call<T>(start: (callback: (error: ServiceError | null, value?: T) => void) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, value) => {
      if (error) reject(error);
      else if (value === undefined) reject(new Error('no response'));
      else resolve(value);
    });
  });
}

function transactionClient(): TransactionServiceClient {
  const Client = loadTransactionProto().metrox.transaction.v1.TransactionService;
  return new Client(fleet.grpcAddress('transaction'), credentials.createInsecure());
}

function paymentClient(): PaymentServiceClient {
  const Client = loadPaymentProto().metrox.payment.v1.PaymentService;
  return new Client(fleet.grpcAddress('payment'), credentials.createInsecure());
}
