// Observable by default: one ticket purchase is one trace across the four services,
// stored in a real Jaeger (a private instance, own ports and state) over OTLP/HTTP.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ObservabilityEndpoints } from '../observability/endpoints.ts';
import { privateJaegerStartTimeoutMs, startPrivateJaeger, type PrivateJaeger } from '../observability/private-jaeger.ts';
import { createJaegerQuery, resolveSpans } from '../observability/jaeger-query.ts';
import { eventually, http } from './support/client.ts';
import { startFleet, tracedFleetEnv, type Fleet } from './support/fleet.ts';

let jaeger: PrivateJaeger | undefined;
let observability: ObservabilityEndpoints;
let fleet: Fleet | undefined;

beforeAll(async () => {
  jaeger = await startPrivateJaeger();
  observability = jaeger.endpoints;
  fleet = await startFleet({
    env: tracedFleetEnv(observability.OTEL_EXPORTER_OTLP_ENDPOINT),
  });
}, privateJaegerStartTimeoutMs);

afterAll(async () => {
  await fleet?.close();
  await jaeger?.stop();
});

it('one purchase is one trace across transaction, payment (and its cipher helper), operations and notification', async () => {
  if (!fleet) throw new Error('no fleet');
  const traceId = randomBytes(16).toString('hex');
  const created = await http<{ id: string }>(fleet.url('transaction', '/v1/transactions'), {
    method: 'POST',
    headers: { 'idempotency-key': randomUUID(), traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    json: { riderId: `rider-${randomUUID().slice(0, 8)}`, fromStation: 'aluva', toStation: 'kaloor', paymentMethod: 'upi' },
  });
  expect(created.status).toBe(201);
  const id = created.body.id;
  await eventually(
    () => http<{ items: { status: string }[] }>(fleet?.url('notification', `/v1/notifications?transactionId=${id}`) ?? ''),
    (r) => r.body.items.some((n) => n.status === 'SENT'),
    'the notification',
  );

  const jaeger = createJaegerQuery(observability.JAEGER_URL);
  // payment-cipher: the helper's span for Payment's encryption, inside the purchase's trace.
  const expected = ['transaction', 'payment', 'payment-cipher', 'operations', 'notification'];
  const stored = await jaeger.waitForTrace(traceId, (t) => {
    const spans = resolveSpans(t);
    return expected.every((service) => spans.some((s) => s.service === service)) && spans.some((s) => s.name === 'notification send') &&
      spans.some((s) => s.service === 'operations' && s.name.startsWith('NotificationSent'));
  });
  const spans = resolveSpans(stored);
  expect(new Set(spans.map((s) => s.service))).toEqual(new Set(expected));
  // The late send in Notification continues the trace (its NotificationSent is written within it)
  // and asks no other service: nothing in Transaction is a child of a Notification span.
  const send = spans.find((s) => s.name === 'notification send');
  expect(spans.some((s) => s.parentSpanId === send?.spanId)).toBe(true);
  const notificationSpans = new Set(spans.filter((s) => s.service === 'notification').map((s) => s.spanId));
  expect(spans.filter((s) => s.service === 'transaction' && s.parentSpanId !== undefined && notificationSpans.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
  // Payment's `cipher encrypt` client span is the parent of the helper's server span.
  const encrypt = spans.find((s) => s.service === 'payment' && s.name === 'cipher encrypt');
  expect(encrypt).toBeDefined();
  expect(spans.some((s) => s.service === 'payment-cipher' && s.parentSpanId === encrypt?.spanId)).toBe(true);
  // Database statements are in the trace, named after what they do (prepared statements carry
  // readable names); a bare COMMIT or ROLLBACK is not traced.
  const statements = spans.filter((s) => s.name.startsWith('pg.query'));
  expect(statements.some((s) => s.name.startsWith('pg.query:insert_metrox_outbox_'))).toBe(true);
  expect(statements.filter((s) => /^pg\.query:(COMMIT|ROLLBACK)\b/.test(s.name)).map((s) => s.name)).toEqual([]);
});
