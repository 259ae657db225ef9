// The poll loop shared by the outbox relay and the notification dispatcher, against real
// Postgres: a NOTIFY wakes it long before its poll interval, 'more' runs again at once,
// a failure backs off (a NOTIFY does not cut the backoff short), and stop() waits for the
// step in progress.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@metrox/telemetry';
import { createTestDatabase, eventually, type TestDatabase } from '../testing/infra.ts';
import { defaultBackoffMs, NotifiedWorker, type NotifiedWorkerOptions, type StepResult } from './notified-worker.ts';
import { createPool, type Pool } from './pool.ts';

const logger = createLogger({ serviceName: 'kit-test', serviceVersion: 'test', level: 'silent' });
const channel = 'kit_test_worker';

describe('a notified worker', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool(database.url, 4);
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  const notify = () => pool.query('SELECT pg_notify($1, $2)', [channel, 'due']);
  /** A worker on the test channel that polls only once a minute: anything sooner is a NOTIFY's doing. */
  const testWorker = (options: Pick<NotifiedWorkerOptions, 'step' | 'backoffMs' | 'loops'> & { pollIntervalMs?: number }) =>
    new NotifiedWorker({ name: 'test worker', pool, channel, pollIntervalMs: 60_000, logger, ...options });

  it('wakes on NOTIFY, runs again at once while there is more, and stops after the step in progress', async () => {
    const steps: number[] = [];
    let queued = 0;
    let finishedSteps = 0;
    const worker = testWorker({
      step: async () => {
        steps.push(Date.now());
        await sleep(20);
        finishedSteps++;
        if (queued === 0) return 'idle';
        queued--;
        return queued > 0 ? 'more' : 'idle';
      },
    });
    await worker.start();
    try {
      await eventually(() => Promise.resolve(finishedSteps), (n) => n === 1, 5_000);
      queued = 3;
      const woken = Date.now();
      await notify();
      // Three steps for the three queued units, within seconds rather than the minute's poll.
      await eventually(() => Promise.resolve(finishedSteps), (n) => n === 4, 5_000);
      expect(Date.now() - woken).toBeLessThan(5_000);
      expect(queued).toBe(0);
    } finally {
      await worker.stop();
    }
    expect(finishedSteps).toBe(steps.length);
    expect(worker.running).toBe(false);
  });

  it('runs again at once when a NOTIFY came while a step ran (its rows may have been missed)', async () => {
    let steps = 0;
    const worker = testWorker({
      step: async () => {
        steps++;
        if (steps === 1) {
          await notify();
          await sleep(300); // the NOTIFY arrives while this step still runs
        }
        return 'idle';
      },
    });
    await worker.start();
    try {
      await eventually(() => Promise.resolve(steps), (n) => n === 2, 5_000);
    } finally {
      await worker.stop();
    }
  });

  it('runs its loops side by side over one listener, and a NOTIFY wakes every sleeping loop', async () => {
    let inStep = 0;
    let mostAtOnce = 0;
    let steps = 0;
    const worker = testWorker({
      loops: 3,
      step: async () => {
        steps++;
        inStep++;
        mostAtOnce = Math.max(mostAtOnce, inStep);
        await sleep(200);
        inStep--;
        return 'idle';
      },
    });
    await worker.start();
    try {
      await eventually(() => Promise.resolve(steps), (n) => n === 3, 5_000);
      expect(mostAtOnce).toBe(3);
      const listeners = await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN kit_test_worker'",
      );
      expect(Number(listeners.rows[0]?.n)).toBe(1);
      await sleep(300); // all three asleep now, with a minute to go
      await notify();
      await eventually(() => Promise.resolve(steps), (n) => n === 6, 5_000);
    } finally {
      await worker.stop();
    }
  });

  it('listens again, once, after its listening connection is killed', async () => {
    const worker = testWorker({ loops: 3, pollIntervalMs: 300, step: () => Promise.resolve('idle') });
    const listening = async () =>
      (await pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN kit_test_worker'")).rows;
    await worker.start();
    try {
      const [first] = await eventually(listening, (rows) => rows.length === 1, 5_000);
      await pool.query('SELECT pg_terminate_backend($1)', [first?.pid]);
      // The next polled steps find no listener and replace it, with one connection for all loops.
      await eventually(listening, (rows) => rows.length === 1 && rows[0]?.pid !== first?.pid, 10_000);
      await sleep(1_000);
      expect((await listening()).length).toBe(1);
    } finally {
      await worker.stop();
    }
  });

  it('backs off after a failure and a NOTIFY does not cut the backoff short', async () => {
    const results: StepResult[] = ['failed', 'idle'];
    const steps: number[] = [];
    const worker = testWorker({
      backoffMs: () => 1_500,
      step: () => {
        steps.push(Date.now());
        const next = results.shift() ?? 'idle';
        return next === 'failed' ? Promise.reject(new Error('database away')) : Promise.resolve(next);
      },
    });
    await worker.start();
    try {
      await eventually(() => Promise.resolve(steps.length), (n) => n === 1, 5_000);
      await notify();
      await sleep(500);
      expect(steps.length).toBe(1);
      await eventually(() => Promise.resolve(steps.length), (n) => n === 2, 5_000);
      const [first = 0, second = 0] = steps;
      expect(second - first).toBeGreaterThanOrEqual(1_400);
    } finally {
      await worker.stop();
    }
  });

  it('doubles the default backoff per failure up to 30 s', () => {
    expect([1, 2, 3, 7, 20].map(defaultBackoffMs)).toEqual([500, 1_000, 2_000, 30_000, 30_000]);
  });
});
