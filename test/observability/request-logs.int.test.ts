// Every line a service logs for a traced request carries the request's trace id, the
// access log lines ("incoming request", "request completed") included: they are the
// lines an operator searches first.
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stateDir } from '../support/endpoints.ts';
import { http } from '../services/support/client.ts';
import { startFleet, type Fleet } from '../services/support/fleet.ts';
import { parseJsonLines } from './telemetry-stack.ts';

let fleet: Fleet | undefined;

beforeAll(async () => {
  // Tracing on, nothing exported: the trace ids in the logs are what this file looks at.
  fleet = await startFleet({ env: { OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_TRACES_SAMPLER: 'parentbased_always_on' } });
}, 180_000);

afterAll(async () => {
  await fleet?.close();
});

it('every log line of a traced request carries its trace id, the access log lines included', async () => {
  if (fleet === undefined) throw new Error('no fleet');
  const traceId = randomBytes(16).toString('hex');
  const requestId = `traced-${randomUUID()}`;
  const created = await http(fleet.url('transaction', '/v1/transactions'), {
    method: 'POST',
    headers: { 'idempotency-key': randomUUID(), 'x-request-id': requestId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    json: { riderId: `rider-${randomUUID().slice(0, 8)}`, fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' },
  });
  expect(created.status).toBe(201);
  const logFile = join(stateDir, 'test-logs', `${fleet.runId}-transaction.log`);
  await expect.poll(() => parseJsonLines(readFileSync(logFile, 'utf8')).filter((line) => line.requestId === requestId).map((line) => line.msg)).toContain('request completed');
  const lines = parseJsonLines(readFileSync(logFile, 'utf8')).filter((line) => line.requestId === requestId);
  expect(lines.filter((line) => line.trace_id !== traceId).map((line) => line.msg)).toEqual([]);
});
