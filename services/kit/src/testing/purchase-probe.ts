// A minimal kit service for broker-outage tests: POST /v1/purchases/:id publishes a
// TransactionCreated through the outbox and its own consumer records each one it applies,
// so a test can buy, watch readiness and count applications while it breaks the broker.
import { expect } from 'vitest';
import { createService, type Service } from '../service.ts';

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

export interface PurchaseProbe {
  service: Service;
  /** Every log line the service wrote, parsed. */
  lines: Record<string, unknown>[];
  buy: (id: string) => Promise<void>;
  /** How many times the consumer applied the purchase's event (exactly once is the point). */
  applied: (id: string) => Promise<number>;
  readiness: () => Promise<{ status: number; body: { checks?: Record<string, boolean> } }>;
}

export async function startPurchaseProbe(options: { name: string; consumer: string; env: NodeJS.ProcessEnv }): Promise<PurchaseProbe> {
  const lines: Record<string, unknown>[] = [];
  const service = await createService({
    name: options.name,
    env: { HOST: '127.0.0.1', PORT: '0', GRPC_PORT: '0', OUTBOX_POLL_INTERVAL_MS: '100', LOG_LEVEL: 'info', ...options.env },
    logDestination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    migrations: [{ id: '001_applied', sql: 'CREATE TABLE applied (transaction_id text NOT NULL)' }],
    routes(app, kit) {
      app.post('/v1/purchases/:id', async (request, reply) => {
        const { id } = request.params as { id: string };
        await kit.withTransaction((tx) => kit.publish(tx, 'TransactionCreated', purchase(id)));
        return reply.code(201).send({ id });
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
  });
  const base = `http://127.0.0.1:${(await service.start()).httpPort}`;
  return {
    service,
    lines,
    buy: async (id) => {
      const response = await fetch(`${base}/v1/purchases/${id}`, { method: 'POST' });
      expect(response.status).toBe(201);
    },
    applied: async (id) => {
      const { rows } = await service.kit.pool.query<{ n: string }>('SELECT count(*) AS n FROM applied WHERE transaction_id = $1', [id]);
      return Number(rows[0]?.n ?? 0);
    },
    readiness: async () => {
      const response = await fetch(`${base}/readyz`);
      return { status: response.status, body: (await response.json()) as { checks?: Record<string, boolean> } };
    },
  };
}
