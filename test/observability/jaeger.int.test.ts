// Proves the local trace backend is a real Jaeger: spans exported by the
// OpenTelemetry Node SDK over OTLP/HTTP come back from its query API with their
// service, names and parent-child edge. It runs a private Jaeger (own ports, own
// state folder) through the same scripts `npm run local` uses, so it never touches
// a developer's running instance.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace, SpanKind, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ObservabilityEndpoints } from './endpoints.ts';
import { privateJaegerStartTimeoutMs, startPrivateJaeger, type PrivateJaeger } from './private-jaeger.ts';
import { createJaegerQuery, resolveSpans } from './jaeger-query.ts';

let backend: PrivateJaeger;
let env: NodeJS.ProcessEnv;
let endpoints: ObservabilityEndpoints;
const up = () => backend.up();

beforeAll(async () => {
  backend = await startPrivateJaeger();
  ({ env, endpoints } = backend);
}, privateJaegerStartTimeoutMs);

afterAll(async () => {
  await backend.stop();
});

describe('local Jaeger backend', () => {
  it('starting it again leaves the running instance alone', async () => {
    expect(await up()).toEqual([]);
    expect(endpoints.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://127.0.0.1:${env.METROX_JAEGER_OTLP_HTTP_PORT ?? ''}`);
    expect(endpoints.JAEGER_URL).toBe(`http://127.0.0.1:${env.METROX_JAEGER_QUERY_PORT ?? ''}`);
  });

  it('spans sent by the OpenTelemetry Node SDK over OTLP/HTTP come back from the query API as one trace with their parent-child edge', async () => {
    const serviceName = `metrox-trace-probe-${randomUUID().slice(0, 8)}`;
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoints.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` }))],
    });
    // Registering installs the Node SDK's context manager, so the active span
    // propagates through the callback the way instrumentation relies on.
    provider.register();
    const tracer = provider.getTracer('metrox-observability-test');

    let parent: Span | undefined;
    let child: Span | undefined;
    tracer.startActiveSpan('POST /v1/transactions', { kind: SpanKind.SERVER }, (span) => {
      parent = span;
      // The child is started in the parent's context, exactly as instrumentation does.
      child = tracer.startSpan('transaction.created publish', { kind: SpanKind.PRODUCER }, context.active());
      child.end();
      span.end();
    });
    await provider.forceFlush();
    await provider.shutdown();
    trace.disable();
    context.disable();
    if (parent === undefined || child === undefined) throw new Error('spans were not started');
    const traceId = parent.spanContext().traceId;

    const jaeger = createJaegerQuery(endpoints.JAEGER_URL);
    const stored = await jaeger.waitForTrace(traceId, (t) => t.spans.length >= 2);
    const spans = resolveSpans(stored);

    expect(stored.traceID).toBe(traceId);
    expect(spans.map((s) => s.name).sort()).toEqual(['POST /v1/transactions', 'transaction.created publish']);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set([serviceName]));
    const root = spans.find((s) => s.name === 'POST /v1/transactions');
    const publish = spans.find((s) => s.name === 'transaction.created publish');
    expect(root?.spanId).toBe(parent.spanContext().spanId);
    expect(root?.parentSpanId).toBeUndefined();
    expect(publish?.parentSpanId).toBe(root?.spanId);
    expect(await jaeger.services()).toContain(serviceName);
  });
});
