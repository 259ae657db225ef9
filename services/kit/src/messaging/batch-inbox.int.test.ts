// The batched inbox against real Postgres, then end to end over both real brokers: a
// batch applies each event exactly once, a redelivery inside a batch has no second
// effect, and a poison event is retried or dead-lettered alone while the others commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kitMigrations } from '../db/kit-migrations.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Pool } from '../db/pool.ts';
import { createLogger } from '@metrox/telemetry';
import { createMetrics } from '../metrics/registry.ts';
import { createTestDatabase, eventually, uniqueSuffix, type TestDatabase } from '../testing/infra.ts';
import { startInboxFixture, type InboxFixture } from '../testing/inbox-fixture.ts';
import { sampleTransactionCreated } from '../testing/samples.ts';
import { handleBatch } from './batch-inbox.ts';
import type { Broker, Delivery } from './broker.ts';
import { createEnvelope, type EventEnvelope } from './envelope.ts';
import { type DeliveryOptions, type EventHandlers, type InboxBatchOptions } from './inbox.ts';
import { createOutboxPublisher } from './outbox.ts';
import { PermanentFailure } from './retry.ts';

const logger = createLogger({ serviceName: 'kit-test', serviceVersion: 'test', level: 'silent' });
const publish = createOutboxPublisher('kit-test');
const retry = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 };

/** Fares the handlers refuse: retryable, or permanently. */
const failingFare = 666;
const poisonFare = 777;

const created = (transactionId: string, fareCents = 3_000) =>
  createEnvelope('TransactionCreated', sampleTransactionCreated({ transactionId, fareCents }), { source: 'kit-test' });
const delivery = (envelope: EventEnvelope, attempt = 1): Delivery => ({ body: Buffer.from(JSON.stringify(envelope)), headers: {}, attempt });

async function count(pool: Pool, sql: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(sql);
  return Number(rows[0]?.n ?? 0);
}

/** Effects with no unique constraint: only the inbox stands between a redelivery and a second row. */
const effectsTable = { id: '001_effects', sql: 'CREATE TABLE effects (event_id text NOT NULL, transaction_id text NOT NULL, in_batch boolean NOT NULL)' };

function recordingHandlers(batchEnds: string[][]): { handlers: EventHandlers; batch: InboxBatchOptions } {
  const handlers: EventHandlers = {
    async TransactionCreated(data, ctx) {
      if (data.fareCents === failingFare) throw new Error('fare service unavailable');
      if (data.fareCents === poisonFare) throw new PermanentFailure('fare can never be valid');
      await ctx.tx.query('INSERT INTO effects (event_id, transaction_id, in_batch) VALUES ($1, $2, $3)', [ctx.event.id, data.transactionId, ctx.inBatch]);
    },
  };
  const batch: InboxBatchOptions = {
    maxSize: 32,
    maxWaitMs: 5,
    beforeCommit: (applied) => {
      batchEnds.push(applied.map((event) => event.id));
      return Promise.resolve();
    },
  };
  return { handlers, batch };
}

describe('a batch of deliveries in one transaction', () => {
  let database: TestDatabase;
  let pool: Pool;
  const batchEnds: string[][] = [];
  const { handlers, batch } = recordingHandlers(batchEnds);
  const metrics = createMetrics({ collectDefaults: false });
  const options = (): DeliveryOptions => ({ consumer: 'batch-test', handlers, pool, publish, logger, metrics, retry });

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool(database.url, 2);
    await migrate(pool, [...kitMigrations, effectsTable]);
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('applies every event of a batch exactly once, in one transaction, and acknowledges each', async () => {
    const events = Array.from({ length: 20 }, (_, n) => created(`exact-${String(n)}`));
    batchEnds.length = 0;
    const settlements = await handleBatch(options(), batch, events.map((event) => delivery(event)));
    expect(settlements).toEqual(events.map(() => ({ kind: 'ack' })));
    expect(await count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id LIKE 'exact-%' AND in_batch")).toBe(20);
    expect(await count(pool, "SELECT count(DISTINCT event_id) AS n FROM effects WHERE transaction_id LIKE 'exact-%'")).toBe(20);
    expect(await count(pool, "SELECT count(*) AS n FROM metrox_inbox WHERE consumer = 'batch-test'")).toBeGreaterThanOrEqual(20);
    // One transaction: beforeCommit ran once, with every event in delivery order.
    expect(batchEnds).toEqual([events.map((event) => event.id)]);
  });

  it('a redelivered event inside a batch, and one applied before, have no second effect', async () => {
    const before = created('dup-before');
    await handleBatch(options(), batch, [delivery(before), delivery(created('dup-other'))]);
    const twice = created('dup-twice');
    const fresh = created('dup-fresh');
    batchEnds.length = 0;
    const settlements = await handleBatch(options(), batch, [delivery(twice), delivery(before, 2), delivery(twice, 2), delivery(fresh)]);
    expect(settlements).toEqual([{ kind: 'ack' }, { kind: 'ack' }, { kind: 'ack' }, { kind: 'ack' }]);
    expect(await count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id = 'dup-before'")).toBe(1);
    expect(await count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id = 'dup-twice'")).toBe(1);
    expect(await count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id = 'dup-fresh'")).toBe(1);
    expect(batchEnds).toEqual([[twice.id, fresh.id]]);
    const duplicates = (await metrics.eventsConsumed.get()).values.find((v) => v.labels.outcome === 'duplicate')?.value;
    expect(duplicates).toBe(2);
  });

  it('one failing event is retried alone while the rest of its batch commits', async () => {
    const failing = created('retry-bad', failingFare);
    const settlements = await handleBatch(options(), batch, [delivery(created('retry-a')), delivery(failing), delivery(created('retry-b')), delivery(created('retry-c'))]);
    expect(settlements.map((s) => s.kind)).toEqual(['ack', 'retry', 'ack', 'ack']);
    expect(settlements[1]).toMatchObject({ reason: 'fare service unavailable' });
    expect(await count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id LIKE 'retry-%'")).toBe(3);
    // The failing event's id is not marked, so its retry can still apply it.
    expect(await count(pool, `SELECT count(*) AS n FROM metrox_inbox WHERE event_id = '${failing.id}'`)).toBe(0);
  });

  it('a PermanentFailure in a batch dead-letters that event at once and the others commit', async () => {
    const poison = created('perm-bad', poisonFare);
    const good = created('perm-good');
    const settlements = await handleBatch(options(), batch, [delivery(poison), delivery(good)]);
    expect(settlements).toEqual([{ kind: 'dead-letter', reason: 'permanent failure: fare can never be valid' }, { kind: 'ack' }]);
    expect(await count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id LIKE 'perm-%'")).toBe(1);
  });

  it('an invalid delivery in a batch is dead-lettered with its reason and the valid ones commit together', async () => {
    const [first, second] = [created('mixed-a'), created('mixed-b')];
    const invalid: Delivery = { body: Buffer.from('{"id":"x","type":"TransactionCreated"}'), headers: {}, attempt: 1 };
    batchEnds.length = 0;
    const settlements = await handleBatch(options(), batch, [delivery(first), invalid, delivery(second)]);
    expect(settlements[0]).toEqual({ kind: 'ack' });
    expect(settlements[1]?.kind).toBe('dead-letter');
    expect(settlements[2]).toEqual({ kind: 'ack' });
    expect(batchEnds).toEqual([[first.id, second.id]]);
  });
});

describe.each(['rabbitmq', 'nats'] as const)('the batched inbox over %s', (kind) => {
  let fixture: InboxFixture;
  let pool: Pool;
  let broker: Broker;
  const consumer = `kit-batch-${uniqueSuffix()}`;
  const batchEnds: string[][] = [];
  const { handlers, batch } = recordingHandlers(batchEnds);
  const metrics = createMetrics({ collectDefaults: false });
  const duplicates = async () => (await metrics.eventsConsumed.get()).values.find((v) => v.labels.outcome === 'duplicate')?.value ?? 0;

  const send = (events: EventEnvelope[]) =>
    broker.publish(events.map((event) => ({ id: event.id, type: event.type, body: Buffer.from(JSON.stringify(event)), headers: {} })));

  beforeAll(async () => {
    fixture = await startInboxFixture(kind, [effectsTable], { consumer, handlers, publish, logger, metrics, retry, prefetch: 64, batch });
    ({ pool, broker } = fixture);
  });

  afterAll(() => fixture.stop());

  it('a burst of events is applied exactly once each, most of them in shared transactions', async () => {
    const events = Array.from({ length: 300 }, (_, n) => created(`burst-${String(n)}`));
    await send(events);
    await eventually(() => count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id LIKE 'burst-%'"), (n) => n >= 300);
    expect(await count(pool, "SELECT count(DISTINCT event_id) AS n FROM effects WHERE transaction_id LIKE 'burst-%'")).toBe(300);
    expect(await count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id LIKE 'burst-%'")).toBe(300);
    const batched = batchEnds.flat().filter((id) => events.some((event) => event.id === id)).length;
    expect(batched).toBeGreaterThan(150);
    expect(batchEnds.length).toBeLessThan(150);
  });

  it('a poison event is dead-lettered alone while the events around it commit', async () => {
    const poison = created('bus-poison', poisonFare);
    const around = Array.from({ length: 20 }, (_, n) => created(`bus-${String(n)}`));
    await send([...around.slice(0, 10), poison, ...around.slice(10)]);
    const letters = await eventually(() => broker.takeDeadLetters(consumer, 10), (found) => found.length > 0);
    expect(letters.map((letter) => (JSON.parse(letter.body.toString()) as { id: string }).id)).toEqual([poison.id]);
    expect(letters[0]?.reason).toBe('permanent failure: fare can never be valid');
    await eventually(() => count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id LIKE 'bus-%'"), (n) => n === 20);
  });

  it('a redelivered event has no second effect', async () => {
    const event = created('bus-again');
    const body = Buffer.from(JSON.stringify(event));
    // Two transport messages with one event id, in one burst with others: likely in one batch.
    const others = Array.from({ length: 10 }, (_, n) => created(`bus-again-${String(n)}`));
    await broker.publish([
      { id: `${event.id}-first`, type: event.type, body, headers: {} },
      ...others.map((other) => ({ id: other.id, type: other.type, body: Buffer.from(JSON.stringify(other)), headers: {} })),
      { id: `${event.id}-again`, type: event.type, body, headers: {} },
    ]);
    await eventually(duplicates, (n) => n === 1);
    await eventually(() => count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id LIKE 'bus-again-%'"), (n) => n === 10);
    expect(await count(pool, "SELECT count(*) AS n FROM effects WHERE transaction_id = 'bus-again'")).toBe(1);
  });
});
