// The generator's own scheduling and measurement, checked against a tiny HTTP
// server that answers the REST contract's shapes. This tests the tool; the real
// services are measured by `npm run load` and the benchmarks.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetroClient } from './client.ts';
import { createPurchaseGenerator, createRandom, defaultMethodMix } from './data.ts';
import { runLoad, type LoadPlan, type LoadProgress } from './run.ts';

interface StandIn {
  url: string;
  purchases: { key: string | undefined; body: unknown }[];
  maxConcurrentPurchases: number;
  /** The most transactions one GET /v1/notifications asked about. */
  maxIdsPerPoll: number;
  close(): Promise<void>;
}

interface StandInBehaviour {
  /** Every n-th purchase is answered 503 problem+json. */
  failEvery?: number;
  /** The Retry-After (seconds) of those 503s. */
  retryAfterSeconds?: number;
  purchaseDelayMs?: number;
  /** The notification is recorded as sent this long after the purchase arrived. */
  notifyAfterMs?: number;
  /** Every n-th created transaction ends FAILED. */
  declineEvery?: number;
}

const servers: StandIn[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function readBody(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return JSON.parse(text) as unknown;
}

async function standIn(behaviour: StandInBehaviour = {}): Promise<StandIn> {
  const transactions = new Map<string, { createdAt: number; index: number }>();
  const state: StandIn = { url: '', purchases: [], maxConcurrentPurchases: 0, maxIdsPerPoll: 0, close: () => Promise.resolve() };
  let concurrent = 0;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'POST' && url.pathname === '/v1/transactions') {
      concurrent++;
      state.maxConcurrentPurchases = Math.max(state.maxConcurrentPurchases, concurrent);
      void readBody(request).then(async (body) => {
        const header = request.headers['idempotency-key'];
        state.purchases.push({ key: typeof header === 'string' ? header : undefined, body });
        const count = state.purchases.length;
        await new Promise((resolve) => setTimeout(resolve, behaviour.purchaseDelayMs ?? 0));
        concurrent--;
        if (behaviour.failEvery !== undefined && count % behaviour.failEvery === 0) {
          const retryAfter: Record<string, string> = behaviour.retryAfterSeconds === undefined ? {} : { 'retry-after': String(behaviour.retryAfterSeconds) };
          json(503, { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'database is busy' }, retryAfter);
          return;
        }
        const id = randomUUID();
        transactions.set(id, { createdAt: Date.now(), index: transactions.size + 1 });
        json(201, { id, status: 'PENDING' });
      });
      return;
    }
    if (request.method === 'GET' && url.pathname === '/v1/notifications') {
      const ids = url.searchParams.getAll('transactionId');
      state.maxIdsPerPoll = Math.max(state.maxIdsPerPoll, ids.length);
      const items = ids.flatMap((id) => {
        const transaction = transactions.get(id);
        if (transaction === undefined) return [];
        const sentAt = transaction.createdAt + (behaviour.notifyAfterMs ?? 0);
        if (Date.now() < sentAt) return [];
        const failed = behaviour.declineEvery !== undefined && transaction.index % behaviour.declineEvery === 0;
        return [{ transactionId: id, status: 'SENT', outcome: failed ? 'FAILED' : 'CONFIRMED', sentAt: new Date(sentAt).toISOString() }];
      });
      json(200, { items });
      return;
    }
    json(404, { title: 'Not Found', status: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  state.url = `http://127.0.0.1:${address.port}`;
  state.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); });
  servers.push(state);
  return state;
}

function plan(overrides: Partial<LoadPlan>): LoadPlan {
  return {
    mode: { kind: 'rate', ratePerSecond: 100 },
    durationMs: 200,
    maxInFlight: 1000,
    trackNotifications: false,
    notificationTimeoutMs: 10_000,
    maxConcurrentPolls: 8,
    nextPurchase: createPurchaseGenerator({ stations: ['aluva', 'kaloor', 'vyttila'], riders: 50, methods: defaultMethodMix, random: createRandom(3) }),
    ...overrides,
  };
}

const clientOf = (server: StandIn) => createMetroClient({ transactionUrl: server.url, notificationUrl: server.url, timeoutMs: 10_000 });

describe('load generator', () => {
  it('at a fixed rate sends exactly rate × duration purchases, each with its own Idempotency-Key, and tallies the answers', async () => {
    const server = await standIn({ failEvery: 5 });
    const result = await runLoad(clientOf(server), plan({ mode: { kind: 'rate', ratePerSecond: 200 }, durationMs: 250 }));

    expect(server.purchases).toHaveLength(50);
    expect(new Set(server.purchases.map((p) => p.key)).size).toBe(50);
    for (const { key, body } of server.purchases) {
      expect(key).toMatch(/^[0-9a-f-]{36}$/);
      expect(body).toEqual({ riderId: expect.stringMatching(/^rider-/) as unknown, fromStation: expect.any(String) as unknown, toStation: expect.any(String) as unknown, paymentMethod: expect.stringMatching(/^(upi|card|wallet)$/) as unknown });
    }
    expect(result.purchases).toMatchObject({ sent: 50, created: 40, failed: 10, dropped: 0, byStatus: { '201': 40, '503': 10 } });
    expect(result.purchases.errors).toEqual([{ message: '503: database is busy', count: 10 }]);
    expect(result.rest.count).toBe(50);
    expect(result.rest.p50).toBeGreaterThan(0);
    expect(result.restCreated.count).toBe(40);
    expect(result.purchases.timedOut).toBe(0);
    expect(result.throughput.createdPerSecond).toBeGreaterThan(0);
  });

  it('follows every created purchase to its notification and measures to the service’s sentAt', async () => {
    const server = await standIn({ notifyAfterMs: 120, declineEvery: 4 });
    const progress: LoadProgress[] = [];
    const result = await runLoad(
      clientOf(server),
      plan({ mode: { kind: 'rate', ratePerSecond: 100 }, durationMs: 200, trackNotifications: true, onProgress: (p) => progress.push(p), progressIntervalMs: 50 }),
    );

    expect(result.notification).toMatchObject({ tracked: 20, notified: 20, missing: 0 });
    // The stand-in stamps sentAt 120 ms after the purchase arrived; polls back off to
    // 200 ms and more, so a measurement taken from the poll would be far coarser.
    // sentAt is an ISO timestamp, whole milliseconds: allow that one millisecond.
    expect(result.notification?.latency.min).toBeGreaterThanOrEqual(119);
    expect(result.outcomes).toEqual({ CONFIRMED: 15, FAILED: 5 });
    expect(result.declineRatio).toBe(0.25);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((p) => p.phase === 'awaiting notifications' || p.sent > 0)).toBe(true);
  });

  it('asks about many pending purchases per notifications request, never more than 100', async () => {
    const server = await standIn({ notifyAfterMs: 400 });
    const result = await runLoad(
      clientOf(server),
      plan({ mode: { kind: 'rate', ratePerSecond: 1000 }, durationMs: 300, trackNotifications: true, maxConcurrentPolls: 2 }),
    );
    expect(result.notification).toMatchObject({ tracked: 300, notified: 300, missing: 0 });
    expect(server.maxIdsPerPoll).toBeGreaterThan(1);
    expect(server.maxIdsPerPoll).toBeLessThanOrEqual(100);
  });

  it('reports notifications that never come as missing after the wait', async () => {
    const server = await standIn({ notifyAfterMs: 60 * 60_000 });
    const result = await runLoad(clientOf(server), plan({ mode: { kind: 'rate', ratePerSecond: 50 }, durationMs: 100, trackNotifications: true, notificationTimeoutMs: 300 }));
    expect(result.notification).toMatchObject({ tracked: 5, notified: 0, missing: 5 });
    expect(result.notification?.latency.count).toBe(0);
  });

  it('with N concurrent riders keeps at most N purchases in flight', async () => {
    const server = await standIn({ purchaseDelayMs: 20 });
    const result = await runLoad(clientOf(server), plan({ mode: { kind: 'concurrency', workers: 3 }, durationMs: 300 }));
    expect(server.maxConcurrentPurchases).toBeLessThanOrEqual(3);
    expect(server.maxConcurrentPurchases).toBeGreaterThanOrEqual(2);
    expect(result.purchases.sent).toBeGreaterThan(3);
    expect(result.purchases.created).toBe(result.purchases.sent);
  });

  it('counts a purchase unanswered within the client timeout as timed out, and leaves it out of the accepted latencies', async () => {
    const server = await standIn({ purchaseDelayMs: 2500 });
    const client = createMetroClient({ transactionUrl: server.url, notificationUrl: server.url, timeoutMs: 100 });
    const result = await runLoad(client, plan({ mode: { kind: 'rate', ratePerSecond: 100 }, durationMs: 50 }));
    expect(result.purchases).toMatchObject({ sent: 5, created: 0, failed: 5, timedOut: 5 });
    expect(result.restCreated.count).toBe(0);
  });

  it('with N concurrent riders, a rider answered 503 with Retry-After waits that long before buying again', async () => {
    const server = await standIn({ failEvery: 1, retryAfterSeconds: 5 });
    const result = await runLoad(clientOf(server), plan({ mode: { kind: 'concurrency', workers: 2 }, durationMs: 300 }));
    expect(result.purchases).toMatchObject({ sent: 2, failed: 2, byStatus: { '503': 2 } });
  });

  it('drops what the in-flight cap cannot send, rather than queueing it out of schedule', async () => {
    const server = await standIn({ purchaseDelayMs: 2500 });
    const result = await runLoad(clientOf(server), plan({ mode: { kind: 'rate', ratePerSecond: 100 }, durationMs: 200, maxInFlight: 5 }));
    expect(result.purchases.sent).toBe(5);
    expect(result.purchases.dropped).toBe(15);
    // Latency runs from each purchase's due time: the server's 2.5 s shows.
    expect(result.rest.min).toBeGreaterThanOrEqual(2500);
  });
});
