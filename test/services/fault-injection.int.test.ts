// Faults under a steady stream of purchases, on a Postgres and a RabbitMQ of this file's own
// (the shared servers are never stopped, restarted or paused): each service SIGKILLed and
// restarted, RabbitMQ killed -9 and restarted, Postgres stopped as a crash stops it and
// restarted, Payment frozen (SIGSTOP) past the broker's heartbeat timeout,
// Transaction frozen past its clients' and Notification's timeouts. After each, once
// everything has drained, the services' own databases are counted: nothing stuck PENDING, one
// payment, one notification (and one delivery of it) per purchase, Operations' projection
// complete, no dead letters. bench/README.md keeps one run's figures.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../../services/kit/src/testing/private-postgres.ts';
import { startPrivateRabbitMq, type PrivateRabbitMq } from '../../services/kit/src/testing/private-rabbitmq.ts';
import type { ServiceName } from '../../scripts/local/fleet.ts';
import { waitUntil } from '../support/processes.ts';
import { startFleet, testTuning, type Fleet } from './support/fleet.ts';

/** Purchases per second, and how long each fault's load runs at least; the fault strikes `faultAtMs` in. */
const rate = 15;
const loadMs = 12_000;
const faultAtMs = 2_000;
const afterRecoveryMs = 3_000;
/** The broker closes a connection after two missed heartbeats: 10 s of silence at 5 s. */
const heartbeatSeconds = 5;
/** A client gives up on a purchase request after this long. */
const requestTimeoutMs = 10_000;
/**
 * How long a frozen service stays frozen. Frozen Payment: longer than two heartbeats, so the
 * broker drops its connection and requeues the deliveries it held. Frozen Transaction: longer
 * than the clients' request timeout, so requests are abandoned while it is away.
 */
const pauseMs = 15_000;
const drainTimeoutMs = 150_000;

let postgres: PrivatePostgres | undefined;
let rabbit: PrivateRabbitMq | undefined;
let fleet: Fleet | undefined;

beforeAll(async () => {
  postgres = await startPrivatePostgres({ settings: { max_connections: '200' } });
  rabbit = await startPrivateRabbitMq({ config: [`heartbeat = ${String(heartbeatSeconds)}`] });
  fleet = await startFleet({
    servers: { DATABASE_URL: postgres.url, AMQP_URL: rabbit.url, RABBITMQ_MANAGEMENT_URL: rabbit.managementUrl },
    tuning: {
      ...testTuning,
      // A claim left by a killed dispatcher expires this soon (a lookup and a send take well under it).
      NOTIFICATION_CLAIM_LEASE_MS: '5000',
    },
  });
}, 240_000);

afterAll(async () => {
  const row = (r: FaultFigures): string =>
    `| ${r.fault} | ${String(r.purchases)} | ${String(r.notAccepted)} | ${String(r.stuck)} | ${String(r.duplicates)} | ${(r.drainMs / 1000).toFixed(1)} s |`;
  if (figures.length > 0) {
    console.log(['| fault | purchases | not accepted | stuck | duplicates | drain |', '|---|---|---|---|---|---|', ...figures.map(row)].join('\n'));
  }
  await fleet?.close().catch(() => undefined);
  await rabbit?.remove();
  await postgres?.remove();
}, 120_000);

interface FaultFigures {
  fault: string;
  /** Purchases answered 201. */
  purchases: number;
  /** Requests answered otherwise (503, refused, reset, timed out): the client knows it was not accepted. */
  notAccepted: number;
  stuck: number;
  duplicates: number;
  drainMs: number;
}
const figures: FaultFigures[] = [];

function live(): { fleet: Fleet; postgres: PrivatePostgres; rabbit: PrivateRabbitMq } {
  if (!fleet || !postgres || !rabbit) throw new Error('the fault suite did not start');
  return { fleet, postgres, rabbit };
}

interface Load {
  accepted: string[];
  notAccepted: number;
}

/** Buys at `rate` per second, all tagged with `tag`; runs `fault` `faultAtMs` in. Resolves once both are over. */
async function driveThrough(tag: string, fault: () => Promise<void>): Promise<Load> {
  const { fleet } = live();
  const load: Load = { accepted: [], notAccepted: 0 };
  const buy = async (n: number): Promise<void> => {
    try {
      const response = await fetch(fleet.url('transaction', '/v1/transactions'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        // One in five pays by wallet, which the test gateway declines: failed purchases are notified too.
        body: JSON.stringify({ riderId: `${tag}-${String(n)}`, fromStation: 'aluva', toStation: 'mg-road', paymentMethod: n % 5 === 0 ? 'wallet' : 'upi' }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const body = (await response.json().catch(() => ({}))) as { id?: string };
      if (response.status === 201 && body.id) load.accepted.push(body.id);
      else load.notAccepted++;
    } catch {
      load.notAccepted++;
    }
  };
  const started = Date.now();
  const requests: Promise<void>[] = [];
  let recoveredAt: number | undefined;
  const faulted = sleep(faultAtMs)
    .then(fault)
    .finally(() => (recoveredAt = Date.now()));
  faulted.catch(() => undefined); // awaited below
  // At least `loadMs`, and on for `afterRecoveryMs` once the fault is over, so purchases also meet the recovered fleet.
  const going = (due: number): boolean => due < started + loadMs || recoveredAt === undefined || due < recoveredAt + afterRecoveryMs;
  for (let n = 0; going(started + (n * 1000) / rate); n++) {
    const due = started + (n * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    requests.push(buy(n));
  }
  await Promise.all([...requests, faulted]);
  return load;
}

async function count(service: ServiceName, sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await live().fleet.db(service).query<{ n: string }>(sql, values);
  return Number(rows[0]?.n ?? 0);
}

/** Every purchase settled, paid, notified and projected; every outbox published; every queue but the dead-letter ones empty. */
async function drained(): Promise<boolean> {
  const { rabbit } = live();
  const unpublished = await Promise.all(
    (['transaction', 'payment', 'operations', 'notification'] as const).map((service) => count(service, 'SELECT count(*) AS n FROM metrox_outbox WHERE published_at IS NULL')),
  );
  if (unpublished.some((n) => n > 0)) return false;
  const purchases = await count('transaction', 'SELECT count(*) AS n FROM transactions');
  const [pending, payments, notified, projected] = await Promise.all([
    count('transaction', "SELECT count(*) AS n FROM transactions WHERE status = 'PENDING'"),
    count('payment', 'SELECT count(DISTINCT transaction_id) AS n FROM payments'),
    count('notification', "SELECT count(DISTINCT transaction_id) AS n FROM notifications WHERE status <> 'PENDING'"),
    count('operations', 'SELECT count(*) AS n FROM purchases WHERE completed_at IS NOT NULL'),
  ]);
  if (pending > 0 || payments < purchases || notified < purchases || projected < purchases) return false;
  const queues = await rabbit.queues();
  return queues.every((queue) => queue.name.endsWith('.dlq') || queue.messages === 0);
}

interface Findings {
  /** All purchases of the fault, whether or not the client heard the 201. */
  created: number;
  /** Answered 201 and not in the database. */
  vanished: number;
  stuck: number;
  withoutPayment: number;
  extraPayments: number;
  /** The purchase's status differs from its payment's. */
  outcomeMismatches: number;
  withoutSentNotification: number;
  extraNotifications: number;
  /** "notification sent" lines in the log beyond one per notification: the rider heard twice. */
  extraDeliveries: number;
  /** Operations' projection missing or disagreeing with the purchase. */
  misprojected: number;
  deadLetters: number;
}

/** Counts, from the services' own databases, what became of the purchases tagged `tag`. */
async function findings(tag: string, accepted: readonly string[]): Promise<Findings> {
  const { fleet, rabbit } = live();
  const purchases = (
    await fleet.db('transaction').query<{ id: string; status: string }>('SELECT id::text AS id, status FROM transactions WHERE rider_id LIKE $1', [`${tag}-%`])
  ).rows;
  const ids = purchases.map((p) => p.id);
  const status = new Map(purchases.map((p) => [p.id, p.status]));
  const payments = (await fleet.db('payment').query<{ transaction_id: string; status: string }>('SELECT transaction_id, status FROM payments WHERE transaction_id = ANY($1)', [ids])).rows;
  const notifications = (
    await fleet.db('notification').query<{ id: string; transaction_id: string; outcome: string; status: string }>(
      'SELECT id::text AS id, transaction_id, outcome, status FROM notifications WHERE transaction_id = ANY($1)',
      [ids],
    )
  ).rows;
  const projected = (
    await fleet.db('operations').query<{ transaction_id: string; status: string; completed_at: Date | null }>(
      'SELECT transaction_id, status, completed_at FROM purchases WHERE transaction_id = ANY($1)',
      [ids],
    )
  ).rows;
  const deliveries = new Map<string, number>();
  for (const line of readFileSync(fleet.logFile('notification'), 'utf8').split('\n')) {
    if (!line.includes('"notification sent"')) continue;
    const id = (JSON.parse(line) as { notificationId?: string }).notificationId;
    if (id) deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
  }
  const paymentsOf = groupBy(payments, (p) => p.transaction_id);
  const notificationsOf = groupBy(notifications, (n) => n.transaction_id);
  const projectionOf = new Map(projected.map((p) => [p.transaction_id, p]));
  const queues = await rabbit.queues();
  return {
    created: ids.length,
    vanished: accepted.filter((id) => !status.has(id)).length,
    stuck: purchases.filter((p) => p.status === 'PENDING').length,
    withoutPayment: ids.filter((id) => !paymentsOf.has(id)).length,
    extraPayments: ids.reduce((sum, id) => sum + Math.max(0, (paymentsOf.get(id)?.length ?? 0) - 1), 0),
    outcomeMismatches: payments.filter((p) => status.get(p.transaction_id) !== p.status).length,
    withoutSentNotification: ids.filter((id) => !(notificationsOf.get(id) ?? []).some((n) => n.status === 'SENT' && n.outcome === status.get(id))).length,
    extraNotifications: ids.reduce((sum, id) => sum + Math.max(0, (notificationsOf.get(id)?.length ?? 0) - 1), 0),
    extraDeliveries: notifications.reduce((sum, n) => sum + Math.max(0, (deliveries.get(n.id) ?? 0) - 1), 0),
    misprojected: ids.filter((id) => {
      const projection = projectionOf.get(id);
      return projection?.completed_at == null || projection.status !== status.get(id);
    }).length,
    deadLetters: queues.filter((queue) => queue.name.endsWith('.dlq')).reduce((sum, queue) => sum + queue.messages, 0),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Drives purchases through `fault`, waits for the drain, records the figures and asserts the invariants. */
async function survive(name: string, tag: string, fault: () => Promise<void>): Promise<void> {
  const load = await driveThrough(tag, fault);
  const loadEnded = Date.now();
  await waitUntil(drained, drainTimeoutMs, () => `the fleet did not drain within ${String(drainTimeoutMs / 1000)} s after: ${name}`);
  const drainMs = Date.now() - loadEnded;
  const found = await findings(tag, load.accepted);
  const duplicates = found.extraPayments + found.extraNotifications + found.extraDeliveries;
  figures.push({ fault: name, purchases: load.accepted.length, notAccepted: load.notAccepted, stuck: found.stuck, duplicates, drainMs });
  // Some purchases must have got through, or the fault proved nothing.
  expect(load.accepted.length).toBeGreaterThan(0);
  expect(found.created).toBeGreaterThanOrEqual(load.accepted.length);
  expect(found).toEqual({
    created: found.created,
    vanished: 0,
    stuck: 0,
    withoutPayment: 0,
    extraPayments: 0,
    outcomeMismatches: 0,
    withoutSentNotification: 0,
    extraNotifications: 0,
    extraDeliveries: 0,
    misprojected: 0,
    deadLetters: 0,
  });
}

const invariant = 'every accepted purchase completes, is charged once, notified once, projected, and nothing is dead-lettered';

describe('faults under a steady stream of purchases', () => {
  const services: ServiceName[] = ['transaction', 'payment', 'operations', 'notification'];
  for (const service of services) {
    it(`SIGKILL of ${service}, then a restart: ${invariant}`, async () => {
      const { fleet } = live();
      await survive(`SIGKILL ${service}`, `kill-${service}`, async () => {
        await fleet.signal(service, 'SIGKILL');
        await fleet.start(service);
      });
    }, 240_000);
  }

  it(`RabbitMQ killed -9, then restarted: ${invariant}`, async () => {
    const { rabbit } = live();
    await survive('RabbitMQ kill -9', 'kill-rabbitmq', async () => {
      await rabbit.stop('hard');
      await rabbit.start();
    });
  }, 240_000);

  it(`Postgres stopped -m immediate, then restarted: ${invariant}`, async () => {
    const { postgres } = live();
    await survive('Postgres stop -m immediate', 'crash-postgres', async () => {
      await postgres.stop('immediate');
      await postgres.start();
    });
  }, 240_000);

  const frozen: [ServiceName, string][] = [
    ['payment', "past the broker's heartbeat timeout"],
    ['transaction', "past the clients' request timeout"],
  ];
  for (const [service, past] of frozen) {
    it(`${service} frozen (SIGSTOP) ${past}, then thawed: ${invariant}`, async () => {
      const { fleet } = live();
      await survive(`SIGSTOP ${service} ${String(pauseMs / 1000)} s`, `pause-${service}`, async () => {
        await fleet.signal(service, 'SIGSTOP');
        try {
          await sleep(pauseMs);
        } finally {
          await fleet.signal(service, 'SIGCONT');
        }
      });
    }, 240_000);
  }
});
