// The batched inbox's spans, with the OpenTelemetry SDK started as the preload does
// (exporting in memory), against real Postgres: one span per batch linked to every
// producer, and each event's span still a child of its own producer.
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kitMigrations } from '../db/kit-migrations.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Pool } from '../db/pool.ts';
import { createLogger } from '@metrox/telemetry';
import { startTelemetry } from '../telemetry/sdk.ts';
import { injectTraceContext } from '../telemetry/trace-context.ts';
import { createTestDatabase, type TestDatabase } from '../testing/infra.ts';
import { sampleTransactionCreated } from '../testing/samples.ts';
import { handleBatch } from './batch-inbox.ts';
import { createEnvelope, type EventEnvelope } from './envelope.ts';
import { createOutboxPublisher } from './outbox.ts';

process.env.OTEL_METRICS_EXPORTER = 'none';
process.env.OTEL_LOGS_EXPORTER = 'none';
const spans = new InMemorySpanExporter();
const sdk = startTelemetry({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const logger = createLogger({ serviceName: 'kit-test', serviceVersion: 'test', level: 'silent' });

/** An event as a producer in its own trace would publish it. */
function produced(transactionId: string): { envelope: EventEnvelope; traceId: string; spanId: string } {
  const producer = trace.getTracer('test').startSpan('TransactionCreated publish', { kind: SpanKind.PRODUCER });
  const carrier = injectTraceContext(trace.setSpan(ROOT_CONTEXT, producer));
  producer.end();
  const envelope = createEnvelope('TransactionCreated', sampleTransactionCreated({ transactionId }), { source: 'kit-test', ...carrier });
  return { envelope, traceId: producer.spanContext().traceId, spanId: producer.spanContext().spanId };
}

describe('spans of a batch', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool(database.url, 2);
    await migrate(pool, kitMigrations);
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
    await sdk.shutdown();
  });

  it('one batch span links every producer, and each event span is a child of its own producer', async () => {
    const events = [produced('trace-a'), produced('trace-b'), produced('trace-c')];
    spans.reset();
    const options = {
      consumer: 'trace-test',
      handlers: { TransactionCreated: () => Promise.resolve() },
      pool,
      publish: createOutboxPublisher('kit-test'),
      logger,
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    };
    const settlements = await handleBatch(options, {}, events.map(({ envelope }) => ({ body: Buffer.from(JSON.stringify(envelope)), headers: {}, attempt: 1 })));
    expect(settlements.every((s) => s.kind === 'ack')).toBe(true);

    const finished = spans.getFinishedSpans();
    const batch = finished.filter((span) => span.name === 'trace-test process');
    expect(batch).toHaveLength(1);
    expect(batch[0]?.attributes['messaging.batch.message_count']).toBe(3);
    expect(batch[0]?.links.map((link) => link.context.spanId)).toEqual(events.map((event) => event.spanId));
    const perEvent = finished.filter((span) => span.name === 'TransactionCreated process');
    expect(perEvent.map((span) => [span.spanContext().traceId, span.parentSpanContext?.spanId])).toEqual(events.map((event) => [event.traceId, event.spanId]));
  });
});
