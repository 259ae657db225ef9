// A kit service as its own process, for the admission test: each /v1/held request waits,
// holding a pooled connection, until the test releases the advisory lock named by
// HELD_LOCK_KEY (advisory locks are per database, and the test has a database of its own).
import { runService } from '../service.ts';

const lockKey = Number(process.env.HELD_LOCK_KEY);
if (!Number.isInteger(lockKey)) throw new Error('HELD_LOCK_KEY must be an integer');

await runService({
  name: 'kit-admission-test',
  version: '1.0.0',
  ports: { http: 0, grpc: 0 },
  routes(app, kit) {
    app.get('/v1/held', async () => {
      await kit.withTransaction((tx) => tx.query('SELECT pg_advisory_xact_lock_shared($1)', [lockKey]));
      return { released: true };
    });
  },
});
