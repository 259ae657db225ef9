// The purchase probe service (for outage tests): POST /v1/purchases/:id publishes a
// TransactionCreated through the outbox and its own consumer records each one it applies.
// POST /v1/held-transactions holds a transaction open (its backend pid in the log line
// 'transaction held open') until POST /v1/held-transactions/release, so a test can take the
// connection away from under it. Run in-process (purchase-probe.ts) or as its own process
// (purchase-process.ts).
import type { ServiceDefinition } from '../service.ts';

const purchase = (id: string) => ({
  transactionId: id,
  riderId: 'rider-1',
  fromStation: 'A',
  toStation: 'B',
  paymentMethod: 'card' as const,
  fareCents: 1_000,
  currency: 'INR',
  createdAt: new Date().toISOString(),
});

export function purchaseProbeDefinition(options: { name: string; consumer: string; env: NodeJS.ProcessEnv }): ServiceDefinition {
  let releaseHeld: (() => void) | undefined;
  return {
    name: options.name,
    env: { HOST: '127.0.0.1', PORT: '0', GRPC_PORT: '0', OUTBOX_POLL_INTERVAL_MS: '100', LOG_LEVEL: 'info', ...options.env },
    migrations: [{ id: '001_applied', sql: 'CREATE TABLE applied (transaction_id text NOT NULL)' }],
    routes(app, kit) {
      app.post('/v1/purchases/:id', async (request, reply) => {
        const { id } = request.params as { id: string };
        await kit.withTransaction((tx) => kit.publish(tx, 'TransactionCreated', purchase(id)));
        return reply.code(201).send({ id });
      });
      app.post('/v1/held-transactions', async () => {
        await kit.withTransaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          const held = new Promise<void>((resolve) => (releaseHeld = resolve));
          kit.logger.info({ backendPid: rows[0]?.pid }, 'transaction held open');
          // Idle in the transaction, as a handler awaiting something else would be.
          await held;
          await tx.query('SELECT 1');
        });
        return { committed: true };
      });
      app.post('/v1/held-transactions/release', async (_request, reply) => {
        releaseHeld?.();
        releaseHeld = undefined;
        return reply.code(204).send();
      });
    },
    events: {
      consumer: options.consumer,
      handlers: {
        async TransactionCreated(data, ctx) {
          // No unique constraint: only the inbox stands between a redelivery and a second row.
          await ctx.tx.query('INSERT INTO applied (transaction_id) VALUES ($1)', [data.transactionId]);
        },
      },
    },
  };
}
