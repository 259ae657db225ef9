// The service the kit bench drives: one route that does one database write, built with
// the kit like any MetroX service. Started with `--import @metrox/kit/preload`, so
// OTEL_SDK_DISABLED decides whether telemetry runs.
import { runService } from '@metrox/kit';

await runService({
  name: 'kit-bench',
  version: '0.0.0',
  ports: { http: 0, grpc: 0 },
  migrations: [{ id: '001_writes', sql: 'CREATE TABLE IF NOT EXISTS bench_writes (id bigserial PRIMARY KEY, rider text NOT NULL, at timestamptz NOT NULL DEFAULT now())' }],
  routes(app, kit) {
    app.post(
      '/v1/writes',
      {
        schema: {
          body: { type: 'object', required: ['rider'], additionalProperties: false, properties: { rider: { type: 'string', minLength: 1, maxLength: 64 } } },
          response: { 201: { type: 'object', properties: { id: { type: 'string' } } } },
        },
      },
      async (request, reply) => {
        const { rider } = request.body as { rider: string };
        const { rows } = await kit.pool.query<{ id: string }>('INSERT INTO bench_writes (rider) VALUES ($1) RETURNING id', [rider]);
        return reply.code(201).send({ id: rows[0]?.id });
      },
    );
  },
});
