// The service the kit bench drives, built with the kit like any MetroX service and started
// with `--import @metrox/kit/preload`, so OTEL_SDK_DISABLED decides whether telemetry runs.
// Two routes, each one database write:
//  - POST /v1/writes: one INSERT, the smallest write a route can do;
//  - POST /v1/purchases: a row and its event in one transaction, as a MetroX write route
//    does it (transactional outbox); the relay publishes the event to the broker.
import { runService } from '@metrox/kit';
import { sampleTransactionCreated } from '../services/kit/src/testing/samples.ts';

const body = { type: 'object', required: ['rider'], additionalProperties: false, properties: { rider: { type: 'string', minLength: 1, maxLength: 64 } } };
const schema = { body, response: { 201: { type: 'object', properties: { id: { type: 'string' } } } } };
const insertWrite = 'INSERT INTO bench_writes (rider) VALUES ($1) RETURNING id';

await runService({
  name: 'kit-bench',
  version: '0.0.0',
  ports: { http: 0, grpc: 0 },
  migrations: [{ id: '001_writes', sql: 'CREATE TABLE IF NOT EXISTS bench_writes (id bigserial PRIMARY KEY, rider text NOT NULL, at timestamptz NOT NULL DEFAULT now())' }],
  routes(app, kit) {
    app.post('/v1/writes', { schema }, async (request, reply) => {
      const { rider } = request.body as { rider: string };
      const { rows } = await kit.pool.query<{ id: string }>(insertWrite, [rider]);
      return reply.code(201).send({ id: rows[0]?.id });
    });
    app.post('/v1/purchases', { schema }, async (request, reply) => {
      const { rider } = request.body as { rider: string };
      const id = await kit.withTransaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>(insertWrite, [rider]);
        const written = rows[0]?.id ?? '';
        await kit.publish(tx, 'TransactionCreated', sampleTransactionCreated({ transactionId: `bench-${written}`, riderId: rider }), { subject: written });
        return written;
      });
      return reply.code(201).send({ id });
    });
  },
});
