// Trace context rides in the frame: the helper's span is a child of the client's span,
// which is a child of whatever the caller was doing (a purchase, in Payment).
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCipherClient, type CipherClient } from '@metrox/kit/cipher';
import { startHelperFixture, type HelperFixture } from './helper-fixture.ts';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let fixture: HelperFixture;
let client: CipherClient;

beforeAll(async () => {
  provider.register();
  fixture = await startHelperFixture();
  client = createCipherClient({ address: fixture.address, deadlineMs: 20_000 });
});
afterAll(async () => {
  client.close();
  await fixture.close();
  await provider.shutdown();
});

it("the helper's span joins the caller's trace", async () => {
  const purchase = trace.getTracer('test').startSpan('charge purchase');
  await context.with(trace.setSpan(context.active(), purchase), () => client.encrypt('card_tok_4242'));
  purchase.end();

  const spans = exporter.getFinishedSpans();
  const clientSpan = spans.find((span) => span.name === 'cipher encrypt' && span.kind === SpanKind.CLIENT);
  const serverSpan = spans.find((span) => span.name === 'cipher encrypt' && span.kind === SpanKind.SERVER);
  expect(clientSpan?.spanContext().traceId).toBe(purchase.spanContext().traceId);
  expect(clientSpan?.parentSpanContext?.spanId).toBe(purchase.spanContext().spanId);
  expect(serverSpan?.spanContext().traceId).toBe(purchase.spanContext().traceId);
  expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
  expect(serverSpan?.attributes['rpc.method']).toBe('encrypt');
});

it('marks a refused request as an error on both spans', async () => {
  exporter.reset();
  await expect(client.decrypt('mx1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toThrow();
  const spans = exporter.getFinishedSpans().filter((span) => span.name === 'cipher decrypt');
  expect(spans.map((span) => span.attributes['error.type'])).toEqual(['decrypt_failed', 'decrypt_failed']);
});
