// Operations' batched projections against real Postgres: a burst applied in batches
// leaves exactly the projections the one-at-a-time path leaves, and the live feed hears
// of every event of a batch once, in order, from one notice.
import { createEnvelope, createLogger, createPool, handleBatch, handleDelivery, kitMigrations, migrate, migrationsFromDirectory, type Delivery, type EventEnvelope, type Pool, type Tx } from '@metrox/kit';
import type { EventData, EventType } from '@metrox/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../../../test/support/endpoints.ts';
import { EventFeed } from '../live/event-feed.ts';
import type { LoggedEvent } from '../projections/apply.ts';
import { projectionBatch, projectionBatchOptions, projectionHandlers } from './project.ts';

const logger = createLogger({ serviceName: 'operations-test', serviceVersion: 'test', level: 'silent' });
const origin = 'replica-under-test';
const retry = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 };
const migrations = [...kitMigrations, ...migrationsFromDirectory(fileURLToPath(new URL('../migrations', import.meta.url)))];

let admin: pg.Client;
const databases: string[] = [];

async function freshPool(): Promise<Pool> {
  const name = `operations_batch_test_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(endpoints().DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 4);
  await migrate(pool, migrations);
  return pool;
}

const options = (pool: Pool) => ({ consumer: 'operations', handlers: projectionHandlers(origin), pool, publish: () => Promise.reject(new Error('operations publishes nothing')), logger, retry });
const delivery = (envelope: EventEnvelope, attempt = 1): Delivery => ({ body: Buffer.from(JSON.stringify(envelope)), headers: {}, attempt });

function event<T extends EventType>(type: T, data: EventData<T>): EventEnvelope<T> {
  return createEnvelope(type, data, { source: 'test' });
}

/** A purchase's five events, as Operations receives them. */
function purchase(n: number): EventEnvelope[] {
  const transactionId = randomUUID();
  const at = new Date(Date.UTC(2026, 0, 1, 8, 0, n)).toISOString();
  const method = (['upi', 'card', 'wallet'] as const)[n % 3] ?? 'upi';
  const outcome = n % 4 === 0 ? 'FAILED' : 'CONFIRMED';
  const common = { transactionId, riderId: `r-${String(n)}`, fromStation: `S${String(n % 7)}`, toStation: 'kaloor', fareCents: 1_000 + n, currency: n % 5 === 0 ? 'USD' : 'INR' };
  const payment = { paymentId: randomUUID(), transactionId, method, amountCents: common.fareCents, currency: common.currency };
  return [
    event('TransactionCreated', { ...common, paymentMethod: method, createdAt: at }),
    outcome === 'CONFIRMED' ? event('PaymentConfirmed', { ...payment, confirmedAt: at }) : event('PaymentFailed', { ...payment, reason: 'declined', failedAt: at }),
    event('TransactionCompleted', { ...common, status: outcome, ...(outcome === 'FAILED' ? { reason: 'declined' } : {}), completedAt: at, riderContact: { displayName: 'Rider', email: 'rider@example.test', phone: '+910000000000' } }),
    event('NotificationSent', { notificationId: randomUUID(), transactionId, riderId: common.riderId, channel: 'sms', outcome, sentAt: at }),
  ];
}

/** Pure: a deterministic shuffle, so producers' events interleave as they do on a busy bus. */
function interleave<T>(items: T[]): T[] {
  return items.map((item, index) => ({ item, key: (index * 7_919) % 1_009 })).sort((a, b) => a.key - b.key).map(({ item }) => item);
}

async function projections(pool: Pool) {
  const read = async (sql: string): Promise<unknown[]> => (await pool.query<Record<string, unknown>>(sql)).rows;
  return {
    eventLog: await read('SELECT event_id, type, source, event_time, transaction_id, data FROM event_log ORDER BY event_id'),
    purchases: await read('SELECT * FROM purchases ORDER BY transaction_id'),
    stationSales: await read('SELECT * FROM station_sales ORDER BY station, currency'),
    paymentOutcomes: await read('SELECT * FROM payment_outcomes ORDER BY method, outcome'),
  };
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: endpoints().DATABASE_URL });
  await admin.connect();
});

afterAll(async () => {
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('projections applied in batches', () => {
  it('a burst applied in batches, with redeliveries, leaves the projections the one-at-a-time path leaves', async () => {
    const events = interleave(Array.from({ length: 60 }, (_, n) => purchase(n)).flat());
    // Redeliveries: some events come twice, a few in the same batch as their first copy.
    const deliveries = [...events, ...events.filter((_, index) => index % 9 === 0)].map((envelope) => delivery(envelope));
    const [single, batched] = await Promise.all([freshPool(), freshPool()]);
    try {
      for (const one of deliveries) expect(await handleDelivery(options(single), one)).toEqual({ kind: 'ack' });
      // Every event applied in a batch transaction, none through the one-by-one fallback.
      const inBatches: string[] = [];
      const projectionBatchMode = projectionBatchOptions(origin);
      const batch = {
        ...projectionBatchMode,
        beforeCommit: async (applied: EventEnvelope[], tx: Tx) => {
          inBatches.push(...applied.map((envelope) => envelope.id));
          await projectionBatchMode.beforeCommit?.(applied, tx);
        },
      };
      for (let first = 0; first < deliveries.length; first += projectionBatch.maxSize) {
        const settlements = await handleBatch(options(batched), batch, deliveries.slice(first, first + projectionBatch.maxSize));
        expect(settlements.every((settlement) => settlement.kind === 'ack')).toBe(true);
      }
      expect(inBatches.sort()).toEqual(events.map((envelope) => envelope.id).sort());
      const expected = await projections(single);
      expect(expected.eventLog).toHaveLength(events.length);
      expect(await projections(batched)).toEqual(expected);
    } finally {
      await Promise.all([single.end(), batched.end()]);
    }
  });

  it("the live feed hears every event of a batch once, in the batch's order, and counts each once here", async () => {
    const pool = await freshPool();
    const counted: string[] = [];
    const feed = new EventFeed({ origin, pool, logger, onAppliedHere: (logged) => counted.push(logged.id) });
    await feed.start();
    const heard: LoggedEvent[] = [];
    const allHeard = new Promise<void>((resolve) => {
      feed.subscribe((logged) => {
        heard.push(logged);
        if (heard.length === 20) resolve();
      });
    });
    try {
      const events = Array.from({ length: 5 }, (_, n) => purchase(n)).flat();
      await handleBatch(options(pool), projectionBatchOptions(origin), events.map((envelope) => delivery(envelope)));
      await allHeard;
      expect(heard.map((logged) => logged.id)).toEqual(events.map((envelope) => envelope.id));
      expect(counted).toEqual(events.map((envelope) => envelope.id));
      // The rider's contact never reaches the log or the feed.
      expect(JSON.stringify(heard)).not.toContain('+910000000000');
    } finally {
      await feed.close();
      await pool.end();
    }
  });
});
