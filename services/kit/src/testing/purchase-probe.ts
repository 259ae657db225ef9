// The purchase probe service in-process, for broker-outage tests: a test can buy, watch
// readiness and count applications while it breaks the broker.
import { expect } from 'vitest';
import { createService, type Service } from '../service.ts';
import { purchaseProbeDefinition } from './purchase-probe-service.ts';

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
    ...purchaseProbeDefinition(options),
    logDestination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
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
