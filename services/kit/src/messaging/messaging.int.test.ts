// Outbox → broker → inbox against real Postgres and both real brokers.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction, type Pool } from '../db/pool.ts';
import { createLogger } from '@metrox/telemetry';
import { createMetrics } from '../metrics/registry.ts';
import { eventually, uniqueSuffix, type TestBroker, type TestDatabase } from '../testing/infra.ts';
import { startInboxFixture, type InboxFixture } from '../testing/inbox-fixture.ts';
import { sampleTransactionCreated } from '../testing/samples.ts';
import type { Broker } from './broker.ts';
import { createEnvelope } from './envelope.ts';
import type { EventHandlers } from './inbox.ts';
import { createOutboxPublisher } from './outbox.ts';
import { OutboxRelay } from './relay.ts';

const logger = createLogger({ serviceName: 'kit-test', serviceVersion: 'test', level: 'silent' });
const relayProcess = fileURLToPath(new URL('../testing/relay-process.ts', import.meta.url));
const publish = createOutboxPublisher('kit-test');

const ticket = (n: number) => sampleTransactionCreated({ transactionId: `t-${n}`, fareCents: 3_000 + n });

const failed = {
  paymentId: 'p-1',
  transactionId: 't-1',
  method: 'card' as const,
  amountCents: 100,
  currency: 'INR',
  reason: 'declined',
  failedAt: new Date().toISOString(),
};

async function count(pool: Pool, sql: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(sql);
  return Number(rows[0]?.n ?? 0);
}

describe.each(['rabbitmq', 'nats'] as const)('messaging over %s', (kind) => {
  let fixture: InboxFixture;
  let database: TestDatabase;
  let pool: Pool;
  let broker: Broker;
  let target: TestBroker;
  const consumer = `kit-test-${uniqueSuffix()}`;
  const metrics = createMetrics({ collectDefaults: false });
  const retry = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 };

  const handlers: EventHandlers = {
    async TransactionCreated(data, ctx) {
      // No unique constraint on purpose: only the inbox stands between a redelivery and a second row.
      await ctx.tx.query('INSERT INTO effects (event_id, transaction_id) VALUES ($1, $2)', [ctx.event.id, data.transactionId]);
    },
    PaymentFailed() {
      return Promise.reject(new Error('gateway exploded'));
    },
  };

  beforeAll(async () => {
    const effects = { id: '001_effects', sql: 'CREATE TABLE effects (event_id text NOT NULL, transaction_id text NOT NULL)' };
    fixture = await startInboxFixture(kind, [effects], { consumer, handlers, publish, logger, metrics, retry, prefetch: 16 });
    ({ database, pool, broker, target } = fixture);
  });

  afterAll(() => fixture.stop());

  it('a relay killed mid-batch publishes every pending row after restart and the consumer applies each exactly once', async () => {
    const total = 200;
    for (let first = 0; first < total; first += 50) {
      await withTransaction(pool, async (tx) => {
        for (let n = first; n < first + 50; n++) await publish(tx, 'TransactionCreated', ticket(n));
      });
    }
    const child = spawn(process.execPath, [relayProcess], {
      env: { ...process.env, DATABASE_URL: database.url, TEST_BROKER: JSON.stringify(target.config), TEST_BATCH_SIZE: '20', TEST_HOLD_AFTER_PUBLISH_MS: '1000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill it once the consumer has applied an event whose row the relay has not marked yet.
    await eventually(
      () => count(pool, `SELECT count(*) AS n FROM effects e JOIN metrox_outbox o ON o.id = e.event_id WHERE o.published_at IS NULL`),
      (n) => n > 0,
    );
    child.kill('SIGKILL');
    await exited;
    const pendingAfterCrash = await count(pool, 'SELECT count(*) AS n FROM metrox_outbox WHERE published_at IS NULL');
    expect(pendingAfterCrash).toBeGreaterThan(0);

    const relay = new OutboxRelay({ pool, broker, logger, metrics, batchSize: 50, pollIntervalMs: 50, retentionSeconds: 3_600 });
    await relay.start();
    await eventually(() => count(pool, 'SELECT count(*) AS n FROM metrox_outbox WHERE published_at IS NULL'), (n) => n === 0);
    // A last event behind every republished one: once it is applied, the duplicates before it were seen.
    await withTransaction(pool, (tx) => publish(tx, 'TransactionCreated', ticket(total)));
    await eventually(() => count(pool, `SELECT count(*) AS n FROM effects WHERE transaction_id = 't-${total}'`), (n) => n === 1);
    await relay.stop();

    expect(await count(pool, 'SELECT count(DISTINCT transaction_id) AS n FROM effects')).toBe(total + 1);
    expect(await count(pool, 'SELECT count(*) AS n FROM effects')).toBe(total + 1);
  });

  it('a redelivered event has no second effect', async () => {
    const envelope = createEnvelope('TransactionCreated', ticket(10_000), { source: 'kit-test' });
    const body = Buffer.from(JSON.stringify(envelope));
    const headers = { 'content-type': 'application/cloudevents+json' };
    const duplicates = async () => (await metrics.eventsConsumed.get()).values.find((v) => v.labels.outcome === 'duplicate' && v.labels.type === 'TransactionCreated')?.value ?? 0;
    const before = await duplicates();
    // Two transport messages with one event id: what a broker redelivery or a producer retry looks like.
    await broker.publish([{ id: `${envelope.id}-first`, type: envelope.type, body, headers }]);
    await broker.publish([{ id: `${envelope.id}-again`, type: envelope.type, body, headers }]);
    await eventually(duplicates, (n) => n === before + 1);
    expect(await count(pool, `SELECT count(*) AS n FROM effects WHERE event_id = '${envelope.id}'`)).toBe(1);
  });

  it('a poison message lands in the dead-letter queue with its reason', async () => {
    const bad = { ...createEnvelope('TransactionCreated', ticket(20_000), { source: 'kit-test' }), data: { ...ticket(20_000), fareCents: -5 } };
    await broker.publish([{ id: bad.id, type: bad.type, body: Buffer.from(JSON.stringify(bad)), headers: {} }]);
    const letters = await eventually(() => broker.takeDeadLetters(consumer, 10), (found) => found.length > 0);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/invalid event: data does not match the TransactionCreated schema: fareCents/);
    expect((JSON.parse(letters[0]?.body.toString() ?? '{}') as { id?: string }).id).toBe(bad.id);
  });

  it('a handler that keeps failing is retried with backoff, then dead-lettered with the reason', async () => {
    await withTransaction(pool, (tx) => publish(tx, 'PaymentFailed', failed));
    const relay = new OutboxRelay({ pool, broker, logger, metrics, batchSize: 50, pollIntervalMs: 50, retentionSeconds: 3_600 });
    await relay.start();
    const letters = await eventually(() => broker.takeDeadLetters(consumer, 10), (found) => found.length > 0);
    await relay.stop();
    expect(letters[0]?.reason).toBe('gave up after 3 attempts: gateway exploded');
    const outcomes = (await metrics.eventsConsumed.get()).values.filter((v) => v.labels.type === 'PaymentFailed');
    expect(Object.fromEntries(outcomes.map((v) => [v.labels.outcome, v.value]))).toEqual({ retried: 2, dead_lettered: 1 });
    // The consumer is still alive: a good event is processed after the poison.
    await withTransaction(pool, (tx) => publish(tx, 'TransactionCreated', ticket(30_000)));
    await relay.start();
    await eventually(() => count(pool, `SELECT count(*) AS n FROM effects WHERE transaction_id = 't-30000'`), (n) => n === 1);
    await relay.stop();
  });
});
