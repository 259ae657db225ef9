// A service process and its database going away, on a private PostgreSQL cluster (the
// shared one is never stopped or touched): a backend terminated under an open transaction,
// then the whole server stopped as a crash stops it (`pg_ctl stop -m immediate`) and started
// again. The process never exits, answers 503 problem+json meanwhile (readiness included),
// and resumes by itself: relay, LISTEN, consumer.
import { freePort, spawnTethered, type TetheredProcess } from '@metrox/test/processes';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemContentType } from './http/problem.ts';
import { eventually, testBroker, uniqueSuffix } from './testing/infra.ts';
import { startPrivatePostgres, type PrivatePostgres } from './testing/private-postgres.ts';

const entry = fileURLToPath(new URL('./testing/purchase-process.ts', import.meta.url));
const preload = fileURLToPath(new URL('./telemetry/preload.ts', import.meta.url));

interface Answer {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

describe('a service process when its database goes away', () => {
  const target = testBroker('rabbitmq');
  const consumer = `kit-db-outage-${uniqueSuffix()}`;
  const retry = { CONSUMER_RETRY_BASE_MS: '100', CONSUMER_RETRY_MAX_MS: '400' };
  let postgres: PrivatePostgres;
  let folder = '';
  let child: TetheredProcess | undefined;
  let exited = false;
  let base = '';
  /** The test's own connections to the private server. */
  let db: pg.Pool;

  const lines = (): Record<string, unknown>[] =>
    readFileSync(join(folder, 'service.log'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  const request = async (method: 'GET' | 'POST', path: string): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, { method });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    return { status: response.status, contentType, body: contentType.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : { text } };
  };
  const readiness = () => request('GET', '/readyz');
  const applied = async (id: string): Promise<number> =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM applied WHERE transaction_id = $1', [id])).rows[0]?.n ?? 0);
  const heldSoFar = () => lines().filter((line) => line.msg === 'transaction held open');
  /** Starts a request that holds a transaction open; resolves with its backend pid and the answer to come. */
  const holdTransaction = async (): Promise<{ pid: number; answer: Promise<Answer> }> => {
    const before = heldSoFar().length;
    const answer = request('POST', '/v1/held-transactions');
    answer.catch(() => undefined); // awaited by the test; a crashed process must fail the test, not the run
    const held = await eventually(() => Promise.resolve(heldSoFar()), (all) => all.length > before);
    return { pid: held.at(-1)?.backendPid as number, answer };
  };
  const expectUnavailableProblem = (answer: Answer): void => {
    expect(answer.status).toBe(503);
    expect(answer.contentType).toContain(problemContentType);
    expect(answer.body).toMatchObject({ status: 503, type: 'https://metrox.dev/problems/unavailable' });
  };

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    db = new pg.Pool({ connectionString: postgres.url, max: 2 });
    db.on('error', () => undefined); // its idle connections die with the server
    folder = mkdtempSync(join(tmpdir(), 'metrox-db-outage-'));
    const port = await freePort();
    child = spawnTethered('purchase-process', process.execPath, ['--import', preload, entry], join(folder, 'service.log'), {
      ...process.env,
      ...target.env,
      ...retry,
      DATABASE_URL: postgres.url,
      TEST_CONSUMER: consumer,
      PORT: String(port),
      SHUTDOWN_TIMEOUT_MS: '5000',
      OTEL_SDK_DISABLED: 'true',
    });
    void child.exited.then(() => (exited = true));
    base = `http://127.0.0.1:${String(port)}`;
    await eventually(
      () => Promise.resolve(exited || lines().some((line) => line.msg === 'started')),
      (done) => done,
      90_000,
    );
    if (exited) throw new Error(`the service exited before it started:\n${child.logTail(30)}`);
  });

  afterAll(async () => {
    await child?.stop();
    await db.end();
    await (postgres as PrivatePostgres | undefined)?.remove(); // undefined when beforeAll failed
    const { CONSUMER_RETRY_BASE_MS: first, CONSUMER_RETRY_MAX_MS: last } = retry;
    const delays = [Number(first), Number(first) * 2, Number(last)];
    await target.cleanup([consumer], delays.map((ms) => `${consumer}.retry.${String(ms)}`));
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('a request whose transaction loses its backend to pg_terminate_backend answers 503 problem+json, and the process carries on', async () => {
    const { pid, answer } = await holdTransaction();
    const lostBefore = lines().filter((line) => line.msg === 'database connection lost').length;
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    // The process has seen the connection go while the handler was idle in its transaction.
    const seen = await eventually(
      () => Promise.resolve({ exited, lost: lines().filter((line) => line.msg === 'database connection lost').length }),
      (state) => state.exited || state.lost > lostBefore,
    );
    expect(seen.exited, `the process exited:\n${child?.logTail(20) ?? ''}`).toBe(false);
    expect((await request('POST', '/v1/held-transactions/release')).status).toBe(204);

    expectUnavailableProblem(await answer);
    expect((await request('POST', '/v1/purchases/after-terminate')).status).toBe(201);
    await eventually(() => applied('after-terminate'), (n) => n === 1);
    expect(exited).toBe(false);
  });

  it('survives a Postgres outage: /readyz is 503 while the database is gone and 200 after, requests answer 503 problem+json meanwhile, and a purchase made after recovery completes', async () => {
    expect((await request('POST', '/v1/purchases/before')).status).toBe(201);
    await eventually(() => applied('before'), (n) => n === 1);
    expect((await readiness()).status).toBe(200);
    const inFlight = await holdTransaction();

    await postgres.stop('immediate');
    const notReady = await eventually(readiness, (r) => r.status === 503);
    expect(notReady.body.checks).toMatchObject({ database: false, broker: true });
    expectUnavailableProblem(await request('POST', '/v1/purchases/during'));
    // Scrapes still answer: the process is up, only its database is not.
    expect((await request('GET', '/metrics')).status).toBe(200);
    expect((await request('POST', '/v1/held-transactions/release')).status).toBe(204);
    expectUnavailableProblem(await inFlight.answer);

    await postgres.start();
    await eventually(readiness, (r) => r.status === 200);
    expect((await request('POST', '/v1/purchases/after')).status).toBe(201);
    // Published by the relay and applied by the consumer, both resumed by themselves.
    await eventually(() => applied('after'), (n) => n === 1);
    // The relay is listening for NOTIFY again.
    const listening = async () => (await db.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'LISTEN %'")).rowCount ?? 0;
    await eventually(listening, (n) => n > 0);
    expect(await applied('during')).toBe(0);
    expect(exited).toBe(false);
    expect(lines().filter((line) => line.level === 'fatal')).toEqual([]);
  });
});
