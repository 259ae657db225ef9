// A prepared handler's outside work (a provider call) against real Postgres: it runs with
// no connection held, its effect still commits with the inbox mark, and a redelivery runs
// neither step again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kitMigrations } from '../db/kit-migrations.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Pool } from '../db/pool.ts';
import { createLogger } from '@metrox/telemetry';
import { createTestDatabase, type TestDatabase } from '../testing/infra.ts';
import { sampleTransactionCreated } from '../testing/samples.ts';
import type { Delivery } from './broker.ts';
import { createEnvelope } from './envelope.ts';
import { handleDelivery, type DeliveryOptions, type EventHandlers } from './inbox.ts';
import { createOutboxPublisher } from './outbox.ts';

const logger = createLogger({ serviceName: 'kit-test', serviceVersion: 'test', level: 'silent' });

const created = (transactionId: string) =>
  createEnvelope('TransactionCreated', sampleTransactionCreated({ transactionId, paymentMethod: 'card' }), { source: 'kit-test' });

const delivery = (envelope: ReturnType<typeof created>, attempt = 1): Delivery => ({
  body: Buffer.from(JSON.stringify(envelope)),
  headers: {},
  attempt,
});

describe('a prepared event handler', () => {
  let database: TestDatabase;
  let pool: Pool;
  const outsideCalls: string[] = [];
  let failOutside = false;

  const handlers: EventHandlers = {
    TransactionCreated: {
      async prepare(data, ctx) {
        // With a pool of one, this read would wait forever if a transaction held the connection.
        const { rows } = await ctx.pool.query<{ n: string }>('SELECT count(*) AS n FROM charges WHERE transaction_id = $1', [data.transactionId]);
        outsideCalls.push(data.transactionId);
        if (failOutside) throw new Error('provider timed out');
        const answer = `answer-${rows[0]?.n ?? '?'}`;
        return async (_data, txCtx) => {
          await txCtx.tx.query('INSERT INTO charges (transaction_id, answer) VALUES ($1, $2)', [data.transactionId, answer]);
          await txCtx.publish('PaymentFailed', {
            paymentId: `p-${data.transactionId}`,
            transactionId: data.transactionId,
            method: 'card',
            amountCents: data.fareCents,
            currency: data.currency,
            reason: 'declined',
            failedAt: new Date().toISOString(),
          });
        };
      },
    },
  };

  const options = (): DeliveryOptions => ({
    consumer: 'prepared-test',
    handlers,
    pool,
    publish: createOutboxPublisher('kit-test'),
    logger,
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool(database.url, 1);
    await migrate(pool, [...kitMigrations, { id: '001_charges', sql: 'CREATE TABLE charges (transaction_id text NOT NULL, answer text NOT NULL)' }]);
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('runs its outside work with no connection held, then commits the effect, the outbox row and the inbox mark together', async () => {
    const event = created('t-1');
    await expect(handleDelivery(options(), delivery(event))).resolves.toEqual({ kind: 'ack' });
    const charges = await pool.query<{ answer: string }>("SELECT answer FROM charges WHERE transaction_id = 't-1'");
    expect(charges.rows).toEqual([{ answer: 'answer-0' }]);
    const outbox = await pool.query("SELECT 1 FROM metrox_outbox WHERE type = 'PaymentFailed' AND envelope->'data'->>'transactionId' = 't-1'");
    expect(outbox.rowCount).toBe(1);
    const inbox = await pool.query('SELECT 1 FROM metrox_inbox WHERE consumer = $1 AND event_id = $2', ['prepared-test', event.id]);
    expect(inbox.rowCount).toBe(1);
  });

  it('does not repeat the outside work or the effect for a redelivered event', async () => {
    const event = created('t-2');
    await handleDelivery(options(), delivery(event));
    const callsBefore = outsideCalls.filter((id) => id === 't-2').length;
    await expect(handleDelivery(options(), delivery(event, 2))).resolves.toEqual({ kind: 'ack' });
    expect(outsideCalls.filter((id) => id === 't-2').length).toBe(callsBefore);
    const charges = await pool.query("SELECT 1 FROM charges WHERE transaction_id = 't-2'");
    expect(charges.rowCount).toBe(1);
  });

  it('retries when the outside work fails, with nothing written', async () => {
    failOutside = true;
    try {
      const event = created('t-3');
      const settlement = await handleDelivery(options(), delivery(event));
      expect(settlement).toMatchObject({ kind: 'retry', reason: 'provider timed out' });
      const written = await pool.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM charges WHERE transaction_id = 't-3') + (SELECT count(*) FROM metrox_inbox WHERE event_id = $1) AS n`,
        [event.id],
      );
      expect(Number(written.rows[0]?.n)).toBe(0);
    } finally {
      failOutside = false;
    }
  });
});
