// The process edge of a service: the telemetry preload in a real process, and SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, testBroker, type TestDatabase } from './testing/infra.ts';

const entry = fileURLToPath(new URL('./testing/service-process.ts', import.meta.url));
const preload = fileURLToPath(new URL('./telemetry/preload.ts', import.meta.url));

describe('a service process', () => {
  let database: TestDatabase;
  let child: ChildProcess;
  const lines: Record<string, unknown>[] = [];
  let port = 0;
  const target = testBroker('rabbitmq');

  beforeAll(async () => {
    database = await createTestDatabase();
    child = spawn(process.execPath, ['--import', preload, entry], {
      env: {
        ...process.env,
        ...target.env,
        DATABASE_URL: database.url,
        HOST: '127.0.0.1',
        SHUTDOWN_TIMEOUT_MS: '5000',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === 'started') resolve(entry.httpPort as number);
      });
      child.once('exit', (code) => {
        reject(new Error(`service exited with ${code ?? 'a signal'} before it started`));
      });
    });
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await target.cleanup([]);
    await database.drop();
  });

  it('with the preload, request log lines carry the trace id of the instrumented server span', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(response.status).toBe(200);
    const slow = await fetch(`http://127.0.0.1:${port}/v1/slow`, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(slow.status).toBe(200);
    const completed = await eventually(
      () => Promise.resolve(lines.find((line) => line.msg === 'request completed')),
      (line) => line !== undefined,
    );
    expect(completed).toMatchObject({ trace_id: '0af7651916cd43dd8448eb211c80319c', service: 'kit-process-test', version: '1.0.0' });
  });

  it('on SIGTERM finishes the request in flight and exits 0 within the shutdown timeout', async () => {
    const slow = fetch(`http://127.0.0.1:${port}/v1/slow`);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Signal once the request is inside the handler.
    const slowRequests = () => lines.filter((line) => line.msg === 'incoming request' && (line.req as { url?: string } | undefined)?.url === '/v1/slow').length;
    await eventually(() => Promise.resolve(slowRequests()), (n) => n === 2);
    const signalled = Date.now();
    child.kill('SIGTERM');
    const response = await slow;
    expect(response.status).toBe(200);
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(lines.some((line) => line.msg === 'shutting down' && line.signal === 'SIGTERM')).toBe(true);
  });
});
