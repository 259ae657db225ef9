// Admission control in a real service process: more concurrent requests than its
// in-flight limit, each held inside its handler until the test lets go.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, testBroker, type TestDatabase } from '../testing/infra.ts';

const entry = fileURLToPath(new URL('../testing/admission-process.ts', import.meta.url));
const preload = fileURLToPath(new URL('../telemetry/preload.ts', import.meta.url));
const maxInFlight = 2;
const lockKey = 4_242;

describe('a service process with an in-flight limit of 2', () => {
  let database: TestDatabase;
  let child: ChildProcess;
  let lockHolder: pg.Client | undefined;
  let base = '';
  const target = testBroker('rabbitmq');

  beforeAll(async () => {
    database = await createTestDatabase();
    child = spawn(process.execPath, ['--import', preload, entry], {
      env: {
        ...process.env,
        ...target.env,
        DATABASE_URL: database.url,
        HOST: '127.0.0.1',
        HELD_LOCK_KEY: String(lockKey),
        HTTP_MAX_IN_FLIGHT: String(maxInFlight),
        // Only the in-flight limit decides here, however loaded the machine running the test is.
        HTTP_MAX_EVENT_LOOP_DELAY_MS: '0',
        HTTP_RETRY_AFTER_SECONDS: '2',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'started') resolve(entry.httpPort as number);
      });
      child.once('exit', (code) => {
        reject(new Error(`service exited with ${code ?? 'a signal'} before it started`));
      });
    });
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await lockHolder?.end();
    await target.cleanup([]);
    await database.drop();
  });

  const scrape = async () => (await fetch(`${base}/metrics`)).text();
  const sample = (metrics: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);

  it('answers requests beyond the limit at once with 503 problem+json and Retry-After, counts them, keeps probes answering and serves the admitted ones', async () => {
    lockHolder = new pg.Client({ connectionString: database.url });
    await lockHolder.connect();
    await lockHolder.query('SELECT pg_advisory_lock($1)', [lockKey]);
    let heldAnswered = 0;
    const held = Array.from({ length: maxInFlight }, () =>
      fetch(`${base}/v1/held`).then((response) => {
        heldAnswered++;
        return response;
      }),
    );
    await eventually(scrape, (metrics) => sample(metrics, 'http_server_active_requests') === maxInFlight);

    const excess = await Promise.all(Array.from({ length: 3 }, () => fetch(`${base}/v1/held`)));
    expect(heldAnswered).toBe(0);
    for (const response of excess) {
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await response.json()).toMatchObject({ type: 'https://metrox.dev/problems/overloaded', status: 503, instance: '/v1/held' });
    }
    for (const probe of ['/healthz', '/readyz', '/openapi.json']) expect((await fetch(`${base}${probe}`)).status, probe).toBe(200);
    const metrics = await scrape();
    expect(sample(metrics, 'metrox_http_requests_shed_total{reason="in_flight"}')).toBe(3);
    expect(sample(metrics, 'metrox_http_requests_shed_total{reason="event_loop_delay"}')).toBe(0);
    expect(sample(metrics, 'metrox_http_requests_shed_total{reason="pool_wait"}')).toBe(0);
    expect(heldAnswered).toBe(0);

    await lockHolder.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    for (const response of await Promise.all(held)) {
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ released: true });
    }
    expect((await fetch(`${base}/v1/held`)).status).toBe(200);
    expect(sample(await scrape(), 'http_server_active_requests')).toBe(0);
  });
});
