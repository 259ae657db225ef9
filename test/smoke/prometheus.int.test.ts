import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../support/endpoints.ts';
import { waitUntil } from '../support/processes.ts';

interface PromResult {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('Prometheus is real', () => {
  const { PROMETHEUS_URL, PROMETHEUS_TARGETS_DIR } = endpoints();
  const run = randomUUID().slice(0, 8);
  const targetFile = join(PROMETHEUS_TARGETS_DIR, `smoke-${run}.json`);
  let server: Server;
  let scrapes = 0;
  let instance = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      scrapes += 1;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# HELP smoke_tickets_total Tickets in the smoke test.\n# TYPE smoke_tickets_total counter\nsmoke_tickets_total{run="${run}"} 42\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(targetFile, JSON.stringify([{ targets: [instance], labels: { smoke: run } }]));
  });
  afterAll(async () => {
    rmSync(targetFile, { force: true });
    await new Promise((resolve) => server.close(resolve));
  });

  const query = async (promql: string): Promise<PromResult> => {
    const res = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(promql)}`);
    return (await res.json()) as PromResult;
  };

  it('scrapes a target the test exposes and answers a PromQL query about it', async () => {
    const promql = `sum by (run) (smoke_tickets_total{run="${run}", smoke="${run}"}) * 2`;
    await waitUntil(async () => (await query(promql)).data.result.length > 0, 30_000, () => `Prometheus never returned ${promql}`);
    const result = await query(promql);
    expect(result.status).toBe('success');
    expect(result.data.result).toEqual([{ metric: { run }, value: [expect.any(Number), '84'] }]);
    expect(scrapes).toBeGreaterThan(0);
    const up = await query(`up{instance="${instance}"}`);
    expect(up.data.result[0]?.value[1]).toBe('1');
  });
});
