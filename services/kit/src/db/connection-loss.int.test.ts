// A connection taken away from under a kit transaction, on real Postgres: the backend of the
// test's own connection, in the test's own database, is terminated from a second (superuser)
// connection. A checked-out pg client whose connection ends emits 'error', and an 'error'
// event nobody listens to ends the process; here the holder gets a retryable error instead
// and the pool carries on. An event whose inbox transaction meets an unreachable database is
// retried for as long as it takes, never dead-lettered.
import pg from 'pg';
import { freePort } from '@metrox/test/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@metrox/telemetry';
import type { Delivery } from '../messaging/broker.ts';
import { createEnvelope } from '../messaging/envelope.ts';
import { handleDelivery } from '../messaging/inbox.ts';
import { createOutboxPublisher } from '../messaging/outbox.ts';
import { RetryableError } from '../messaging/retry.ts';
import { createTestDatabase, eventually, type TestDatabase } from '../testing/infra.ts';
import { sampleTransactionCreated } from '../testing/samples.ts';
import { createPool, withTransaction, type Pool, type Tx } from './pool.ts';
import { DatabaseUnavailableError } from './unavailable.ts';

const logger = createLogger({ serviceName: 'kit-test', serviceVersion: 'test', level: 'silent' });

describe('a kit transaction whose connection is lost', () => {
  let database: TestDatabase;
  let pool: Pool;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool(database.url, 2);
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin.end();
    await pool.end();
    await database.drop();
  });

  const terminate = async (pid: number): Promise<void> => {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  };

  it('rejects with a retryable DatabaseUnavailableError when its backend is terminated between statements, and the pool carries on', async () => {
    let announce: (backend: { pid: number; ended: Promise<void> }) => void = () => undefined;
    const announced = new Promise<{ pid: number; ended: Promise<void> }>((resolve) => (announce = resolve));
    let proceed: () => void = () => undefined;
    const allowedToProceed = new Promise<void>((resolve) => (proceed = resolve));
    const held = withTransaction(pool, async (tx: Tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      announce({ pid: rows[0]?.pid ?? 0, ended: new Promise<void>((resolve) => tx.once('end', resolve)) });
      await allowedToProceed;
      await tx.query('SELECT 1');
    });
    held.catch(() => undefined); // asserted below
    const { pid, ended } = await announced;
    await terminate(pid);
    // The client has seen its connection end (and emitted 'error') while no query ran on it.
    await ended;
    proceed();

    const error = await held.then(() => undefined, (reason: unknown) => reason);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toBeInstanceOf(RetryableError);
    await expect(withTransaction(pool, async (tx) => (await tx.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one)).resolves.toBe(1);
  });

  it('rejects with a retryable DatabaseUnavailableError when its backend is terminated mid-statement', async () => {
    const held = withTransaction(pool, (tx) => tx.query('SELECT pg_sleep(60)'));
    held.catch(() => undefined); // asserted below
    const sleeping = async () =>
      (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(60)'")).rows;
    const [statement] = await eventually(sleeping, (rows) => rows.length === 1);
    await terminate(statement?.pid ?? 0);

    await expect(held).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(withTransaction(pool, async (tx) => (await tx.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one)).resolves.toBe(1);
  });

  it('an event whose inbox transaction cannot reach the database is retried past the attempt limit, never dead-lettered', async () => {
    // Nothing listens on this port: every connection attempt is refused.
    const unreachable = createPool(`postgres://postgres:unused@127.0.0.1:${String(await freePort())}/nowhere`, 1);
    try {
      const envelope = createEnvelope('TransactionCreated', sampleTransactionCreated(), { source: 'kit-test' });
      const delivery: Delivery = { body: Buffer.from(JSON.stringify(envelope)), headers: {}, attempt: 9 };
      const settlement = await handleDelivery(
        {
          consumer: 'outage-test',
          handlers: { TransactionCreated: () => Promise.resolve() },
          pool: unreachable,
          publish: createOutboxPublisher('kit-test'),
          logger,
          retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
        },
        delivery,
      );
      expect(settlement).toMatchObject({ kind: 'retry', delayMs: 50 });
    } finally {
      await unreachable.end();
    }
  });
});
