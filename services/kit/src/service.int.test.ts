// A whole service built with createService, against real Postgres and RabbitMQ,
// with the OpenTelemetry SDK started the way the preload does (exporting in memory).
import { loadTransactionProto, type TransactionServiceHandlers } from '@metrox/contracts';
import { credentials, loadPackageDefinition, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcClient, unary } from './grpc/client.ts';
import { HttpProblem } from './http/problem.ts';
import { createService, type Service } from './service.ts';
import { startTelemetry } from './telemetry/sdk.ts';
import { createTestDatabase, eventually, testBroker, uniqueSuffix, type TestBroker, type TestDatabase } from './testing/infra.ts';

process.env.OTEL_METRICS_EXPORTER = 'none';
process.env.OTEL_LOGS_EXPORTER = 'none';
const spans = new InMemorySpanExporter();
const sdk = startTelemetry({ spanProcessors: [new SimpleSpanProcessor(spans)] });

const proto = loadTransactionProto();
const lines: Record<string, unknown>[] = [];
const noteSchema = {
  body: {
    type: 'object',
    required: ['id'],
    additionalProperties: false,
    properties: { id: { type: 'string', minLength: 1, maxLength: 50 }, cardNumber: { type: 'string' } },
  },
};

describe('a service built with the kit', () => {
  let database: TestDatabase;
  let target: TestBroker;
  let service: Service;
  let base: string;
  let grpcAddress: string;
  const consumer = `kit-service-${uniqueSuffix()}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    target = testBroker('rabbitmq');
    service = await createService({
      name: 'kit-service-test',
      version: '9.9.9',
      env: {
        ...target.env,
        DATABASE_URL: database.url,
        HOST: '127.0.0.1',
        PORT: '0',
        GRPC_PORT: '0',
        OUTBOX_POLL_INTERVAL_MS: '100',
        LOG_LEVEL: 'debug',
      },
      logDestination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
      migrations: [
        { id: '001_notes', sql: 'CREATE TABLE notes (id text PRIMARY KEY)' },
        { id: '002_applied', sql: 'CREATE TABLE applied (transaction_id text PRIMARY KEY)' },
      ],
      routes(app, kit) {
        app.post('/v1/notes', { schema: noteSchema }, async (request, reply) => {
          const { id } = request.body as { id: string };
          await kit.withTransaction(async (tx) => {
            await tx.query('INSERT INTO notes (id) VALUES ($1)', [id]);
            await kit.publish(tx, 'TransactionCreated', {
              transactionId: id,
              riderId: 'rider-1',
              fromStation: 'A',
              toStation: 'B',
              paymentMethod: 'card',
              fareCents: 1_000,
              currency: 'INR',
              createdAt: new Date().toISOString(),
            });
          });
          request.log.info({ noteId: id }, 'note stored');
          return reply.code(201).send({ id });
        });
        app.get('/v1/problem', () => Promise.reject(new HttpProblem(422, 'unknown-station', 'Unknown station', 'No station "Atlantis"')));
        app.get('/v1/broken', () => Promise.reject(new Error('relation "secret_table" does not exist')));
        app.get('/v1/slow', async () => {
          await new Promise((resolve) => setTimeout(resolve, 700));
          return { slow: true };
        });
      },
      grpc(server) {
        const handlers: TransactionServiceHandlers = {
          GetTransaction(call, callback) {
            if (call.request.id === 'known') callback(null, { id: 'known', status: 'PENDING', fareCents: 1_000 });
            else callback({ code: grpcStatus.NOT_FOUND, details: `no transaction ${call.request.id}` });
          },
          GetRiderContact() {
            // Never answers: the caller's deadline has to end the call.
          },
        };
        server.addService(proto.metrox.transaction.v1.TransactionService.service, handlers);
      },
      events: {
        consumer,
        handlers: {
          async TransactionCreated(data, ctx) {
            await ctx.tx.query('INSERT INTO applied (transaction_id) VALUES ($1)', [data.transactionId]);
            ctx.logger.info('purchase applied');
          },
        },
      },
    });
    const ports = await service.start();
    base = `http://127.0.0.1:${ports.httpPort}`;
    grpcAddress = `127.0.0.1:${ports.grpcPort}`;
  });

  afterAll(async () => {
    await service.stop();
    await sdk.shutdown();
    await target.cleanup([consumer]);
    await database.drop();
  });

  const post = (path: string, body: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': contentType, ...headers } });

  it('one trace id runs from an HTTP request through the outbox and broker to the consumer span, and log lines carry it', async () => {
    // The caller's span: the instrumented fetch sends its context as `traceparent`.
    const caller = trace.getTracer('test').startSpan('caller');
    const traceId = caller.spanContext().traceId;
    const response = await context.with(trace.setSpan(context.active(), caller), () =>
      post('/v1/notes', JSON.stringify({ id: 'traced' }), 'application/json', { 'x-request-id': 'req-traced' }),
    );
    caller.end();
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req-traced');
    await eventually(
      async () => (await service.kit.pool.query('SELECT 1 FROM applied WHERE transaction_id = $1', ['traced'])).rowCount,
      (n) => n === 1,
    );
    const finished = await eventually(
      () => Promise.resolve(spans.getFinishedSpans()),
      (all) => all.some((span) => span.name === 'TransactionCreated process'),
    );
    const byName = (name: string) => finished.find((span) => span.name === name);
    const server = finished.find((span) => span.instrumentationScope.name === '@fastify/otel' && span.name === 'POST /v1/notes');
    expect(server?.kind).toBe(SpanKind.SERVER);
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(byName('TransactionCreated publish')?.spanContext().traceId).toBe(traceId);
    const processed = byName('TransactionCreated process');
    expect(processed?.spanContext().traceId).toBe(traceId);
    expect(processed?.attributes['messaging.consumer.group.name']).toBe(consumer);

    const stored = lines.find((line) => line.msg === 'note stored');
    const applied = lines.find((line) => line.msg === 'purchase applied');
    expect(stored).toMatchObject({ trace_id: traceId, requestId: 'req-traced', service: 'kit-service-test', version: '9.9.9' });
    expect(applied).toMatchObject({ trace_id: traceId, span_id: processed?.spanContext().spanId, trace_flags: '01' });
  });

  it('bad HTTP input gets a problem+json 4xx, never a 5xx or a stack trace', async () => {
    const cases: [Promise<Response>, number][] = [
      [post('/v1/notes', '{"id":'), 400],
      [post('/v1/notes', JSON.stringify({ note: 'no id' })), 400],
      [post('/v1/notes', JSON.stringify({ id: '' })), 400],
      [post('/v1/notes', '<id>1</id>', 'application/xml'), 415],
      [post('/v1/notes', ''), 400],
      [fetch(`${base}/v1/nowhere`), 404],
      [fetch(`${base}/v1/problem`), 422],
    ];
    for (const [pending, status] of cases) {
      const response = await pending;
      const body = (await response.json()) as Record<string, unknown>;
      expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status, type: 'application/problem+json; charset=utf-8' });
      expect(body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\/metrox\.dev\/problems\//) as unknown, title: expect.any(String) as unknown });
      expect(JSON.stringify(body)).not.toMatch(/\bat .*\.ts:\d+/);
    }
    const missing = (await (await post('/v1/notes', JSON.stringify({ note: 'no id' }))).json()) as { errors: { pointer: string }[] };
    expect(missing.errors.map((e) => e.pointer)).toEqual(['body#/id', 'body#/note']);
    const unknown = (await (await fetch(`${base}/v1/problem`)).json()) as { detail: string };
    expect(unknown.detail).toBe('No station "Atlantis"');

    const broken = await fetch(`${base}/v1/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.text()).not.toContain('secret_table');
  });

  it('serves /healthz, /readyz and an OpenAPI document built from the route schemas', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: true, broker: true } });
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; info: { title: string }; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(openapi.openapi).toBe('3.1.0');
    expect(openapi.info.title).toBe('kit-service-test');
    expect(openapi.paths['/v1/notes']?.post?.requestBody).toBeDefined();
    expect(openapi.paths['/metrics']).toBeUndefined();
  });

  it('serves gRPC health and typed calls, and a client call never outlives its deadline', async () => {
    const healthDefinition = loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => { check: (req: object, cb: (e: ServiceError | null, r?: { status: string }) => void) => void; close: () => void } } } };
    };
    const health = new healthDefinition.grpc.health.v1.Health(grpcAddress, credentials.createInsecure());
    const checked = await new Promise<{ status: string } | undefined>((resolve, reject) => {
      health.check({ service: '' }, (error, response) => {
        if (error) reject(error);
        else resolve(response);
      });
    });
    expect(checked?.status).toBe('SERVING');
    health.close();

    const client = createGrpcClient(proto.metrox.transaction.v1.TransactionService, grpcAddress, { deadlineMs: 300 });
    expect(await unary(client.getTransaction.bind(client), { id: 'known' })).toMatchObject({ id: 'known', fareCents: 1_000 });
    await expect(unary(client.getTransaction.bind(client), { id: 'unknown' })).rejects.toMatchObject({ code: grpcStatus.NOT_FOUND });
    const started = Date.now();
    await expect(unary(client.getRiderContact.bind(client), { riderId: 'r' })).rejects.toMatchObject({ code: grpcStatus.DEADLINE_EXCEEDED });
    expect(Date.now() - started).toBeLessThan(5_000);
    client.close();
  });

  it('/metrics shows the named metrics with values after traffic', async () => {
    const text = await eventually(
      async () => (await fetch(`${base}/metrics`)).text(),
      (body) => /metrox_event_lag_seconds_count\{type="TransactionCreated"\} [1-9]/.test(body) && body.includes('rpc_grpc_status_code="5"'),
    );
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/v1\/notes",http_response_status_code="201"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/v1\/notes",http_response_status_code="400"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/rpc_server_duration_seconds_count\{rpc_service="metrox.transaction.v1.TransactionService",rpc_method="GetTransaction",rpc_grpc_status_code="0"\} (\d+)/)).toBe(1);
    expect(value(/metrox_events_published_total\{type="TransactionCreated"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/metrox_events_consumed_total\{type="TransactionCreated",outcome="processed"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/metrox_outbox_pending (\d+)/)).toBe(0);
    expect(value(/metrox_outbox_oldest_age_seconds (\d+)/)).toBe(0);
    expect(text).toMatch(/process_cpu_user_seconds_total \d/);
    // Exemplars link a latency bucket to the trace that produced it.
    expect(text).toMatch(/http_server_request_duration_seconds_bucket\{[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\}/);
  });

  it('stops gracefully: consumers first, in-flight requests finish, then gRPC, relay, broker and database', async () => {
    const slow = fetch(`${base}/v1/slow`);
    await eventually(() => Promise.resolve(lines.some((line) => line.msg === 'incoming request' && (line.req as { url?: string } | undefined)?.url === '/v1/slow')), Boolean);
    const stopping = service.stop();
    const response = await slow;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ slow: true });
    await stopping;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(lines.filter((line) => line.msg === 'shutdown step done').map((line) => line.step)).toEqual(['consumers', 'http', 'grpc', 'relay', 'broker', 'database']);
    expect(lines.some((line) => line.msg === 'stopped')).toBe(true);
  });
});
