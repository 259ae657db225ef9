// The projections against a real PostgreSQL database: events of different producers
// arrive in any order and may be replayed; the summary must not care.
import { createEnvelope, createPool, migrate, migrationsFromDirectory, withTransaction, type EventEnvelope, type Pool } from '@metrox/kit';
import type { EventData, EventType } from '@metrox/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../../../test/support/endpoints.ts';
import { applyEvent, readEvents, readSummaryRows } from './apply.ts';
import { buildSummary } from './summary.ts';

const database = `operations_test_${randomBytes(4).toString('hex')}`;
let admin: pg.Client;
let pool: Pool;

beforeAll(async () => {
  const url = new URL(endpoints().DATABASE_URL);
  admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  url.pathname = `/${database}`;
  pool = createPool(url.toString(), 4);
  await migrate(pool, migrationsFromDirectory(fileURLToPath(new URL('../migrations', import.meta.url))));
});

afterAll(async () => {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

function event<T extends EventType>(type: T, data: EventData<T>): EventEnvelope<T> {
  return createEnvelope(type, data, { source: 'test' });
}

function purchaseEvents(fromStation: string, method: 'upi' | 'card', outcome: 'CONFIRMED' | 'FAILED'): EventEnvelope[] {
  const transactionId = randomUUID();
  const at = new Date().toISOString();
  const common = { transactionId, riderId: 'r-1', fromStation, toStation: 'kaloor', fareCents: 2000, currency: 'INR' };
  const payment = { paymentId: randomUUID(), transactionId, method, amountCents: 2000, currency: 'INR' };
  return [
    event('TransactionCreated', { ...common, paymentMethod: method, createdAt: at }),
    outcome === 'CONFIRMED'
      ? event('PaymentConfirmed', { ...payment, confirmedAt: at })
      : event('PaymentFailed', { ...payment, reason: 'declined', failedAt: at }),
    event('TransactionCompleted', { ...common, status: outcome, ...(outcome === 'FAILED' ? { reason: 'declined' } : {}), completedAt: at }),
  ];
}

async function apply(events: EventEnvelope[]): Promise<boolean[]> {
  const results: boolean[] = [];
  for (const envelope of events) results.push(await withTransaction(pool, (tx) => applyEvent(tx, envelope)));
  return results;
}

async function summary() {
  const rows = await readSummaryRows(pool);
  const { generatedAt: _ignored, ...rest } = buildSummary(rows.stations, rows.outcomes, rows.purchases, new Date());
  return rest;
}

describe('operations projections', () => {
  it('count the same whichever order a purchase’s events arrive in', async () => {
    const inOrder = purchaseEvents('aluva', 'upi', 'CONFIRMED');
    const reversed = purchaseEvents('aluva', 'upi', 'CONFIRMED').reverse();
    const failed = purchaseEvents('edapally', 'card', 'FAILED');
    await apply([...inOrder, ...reversed, ...failed]);

    expect(await summary()).toEqual({
      stations: [{ station: 'aluva', ticketsSold: 2, revenueCents: 4000, currency: 'INR' }],
      revenue: [{ currency: 'INR', revenueCents: 4000, ticketsSold: 2 }],
      payments: {
        confirmed: 2,
        failed: 1,
        successRatio: 0.6667,
        byMethod: [
          { method: 'card', confirmed: 0, failed: 1, successRatio: 0 },
          { method: 'upi', confirmed: 2, failed: 0, successRatio: 1 },
        ],
      },
      purchases: { inFlight: 0, confirmed: 2, failed: 1 },
    });
  });

  it('a purchase is in flight from its creation until its completion', async () => {
    const [created, payment, completed] = purchaseEvents('muttom', 'upi', 'CONFIRMED');
    if (!created || !payment || !completed) throw new Error('unreachable');
    const before = (await summary()).purchases.inFlight;
    await apply([created]);
    expect((await summary()).purchases.inFlight).toBe(before + 1);
    await apply([payment, completed]);
    expect((await summary()).purchases.inFlight).toBe(before);
  });

  it('a replayed event changes nothing', async () => {
    const events = purchaseEvents('kaloor', 'upi', 'CONFIRMED');
    expect(await apply(events)).toEqual([true, true, true]);
    const once = await summary();
    expect(await apply(events)).toEqual([false, false, false]);
    expect(await summary()).toEqual(once);
  });
});

describe('the event log', () => {
  it('keeps a TransactionCompleted without the rider\'s contact it carried for Notification', async () => {
    const [, , completed] = purchaseEvents('aluva', 'upi', 'CONFIRMED');
    if (completed?.type !== 'TransactionCompleted') throw new Error('unreachable');
    const withContact = { ...completed, data: { ...completed.data, riderContact: { displayName: 'Asha', email: 'asha@example.org', phone: '+919876543210' } } } as EventEnvelope;
    await apply([withContact]);
    const [logged] = await readEvents(pool, [completed.id]);
    expect(logged?.data).toEqual(completed.data);
    expect(JSON.stringify(logged)).not.toContain('asha@example.org');
  });
});
