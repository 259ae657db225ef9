// The operator's spans end on every path, and say what failed without its secrets.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { shutdownTelemetry } from '@metrox/telemetry';
import { startTracing } from '@metrox/telemetry/tracing';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { endRequestSpan, inSpan, reconcileAttributes, recordResponseStatus, startRequestSpan, traceReconcile } from './spans.ts';

const exporter = new InMemorySpanExporter();
const server = new URL('https://127.0.0.1:6443');

beforeAll(() => {
  startTracing({ serviceName: 'operator-test', spanProcessors: [new SimpleSpanProcessor(exporter)], env: {} });
});
afterAll(async () => {
  await shutdownTelemetry();
  trace.disable();
});
beforeEach(() => {
  exporter.reset();
});

const request = (method: string, status: number) => {
  const span = startRequestSpan(method, server, '/api/v1/namespaces/a/services');
  recordResponseStatus(span, status);
  return endRequestSpan(span, status < 300 ? Promise.resolve(status) : Promise.reject(new Error(`${method}: ${String(status)}`)));
};

describe("the operator's spans", () => {
  it('a reconcile is a root span with its requests and wiring steps as ended children', async () => {
    await traceReconcile('shop/payment', async () => {
      await request('GET', 200);
      await inSpan('wiring.database.ensure', { 'db.namespace': 'payments' }, () => request('POST', 201));
      return undefined;
    });
    const spans = exporter.getFinishedSpans();
    const reconcile = spans.find((span) => span.name === 'reconcile');
    const wiring = spans.find((span) => span.name === 'wiring.database.ensure');
    expect(spans.map((span) => span.name).sort()).toEqual(['GET', 'POST', 'reconcile', 'wiring.database.ensure']);
    expect(reconcile?.parentSpanContext).toBeUndefined();
    expect(reconcile?.attributes).toEqual({ [reconcileAttributes.namespace]: 'shop', [reconcileAttributes.name]: 'payment', [reconcileAttributes.result]: 'success', [reconcileAttributes.requeue]: false });
    expect(spans.find((span) => span.name === 'GET')?.parentSpanContext?.spanId).toBe(reconcile?.spanContext().spanId);
    expect(spans.find((span) => span.name === 'POST')?.parentSpanContext?.spanId).toBe(wiring?.spanContext().spanId);
    expect(spans.find((span) => span.name === 'POST')).toMatchObject({ kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'http.response.status_code': 201, 'url.full': 'https://127.0.0.1:6443/api/v1/namespaces/a/services' } });
  });

  it('a failure ends every span with the ERROR status, a scrubbed message, and a requeue', async () => {
    const failure = new Error('connect postgres://admin:s3cret@db/postgres refused');
    await expect(traceReconcile('shop/payment', () => inSpan('wiring.database.ensure', {}, () => Promise.reject(failure)))).rejects.toBe(failure);
    await expect(traceReconcile('shop/payment', () => request('PUT', 409).then(() => undefined))).rejects.toThrow('PUT: 409');
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(4);
    for (const span of spans) expect(span.status.code, span.name).toBe(SpanStatusCode.ERROR);
    expect(JSON.stringify(spans.map((span) => [span.status, span.events]))).not.toContain('s3cret');
    expect(spans.find((span) => span.name === 'wiring.database.ensure')?.status.message).toBe('connect postgres://admin:[REDACTED]@db/postgres refused');
    expect(spans.find((span) => span.name === 'PUT')?.attributes['http.response.status_code']).toBe(409);
    for (const reconcile of spans.filter((span) => span.name === 'reconcile')) {
      expect(reconcile.attributes).toMatchObject({ [reconcileAttributes.result]: 'error', [reconcileAttributes.requeue]: true });
    }
  });

  it('a reconcile that asks to run again later says when', async () => {
    await traceReconcile('shop/payment', () => Promise.resolve({ requeueAfterMs: 5_000 }));
    expect(exporter.getFinishedSpans()[0]?.attributes).toMatchObject({ [reconcileAttributes.requeue]: true, [reconcileAttributes.requeueAfterMs]: 5_000 });
  });

  it('a request outside any span makes none: informer lists and Lease renewals stay untraced', async () => {
    await request('GET', 200);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
