import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, WorkQueue, type QueueMetrics } from './work-queue.ts';

/** Lets queued promise callbacks run (the queue starts handlers without awaiting them). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function deferred(): { promise: Promise<undefined>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<undefined>((res, rej) => {
    resolve = () => {
      res(undefined);
    };
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('backoffDelay', () => {
  it('doubles per consecutive failure from the base delay', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 60_000))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('is capped at the maximum delay', () => {
    expect(backoffDelay(30, 100, 60_000)).toBe(60_000);
    expect(backoffDelay(1000, 100, 60_000)).toBe(60_000);
  });
});

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('queues a key once however often it is added before a worker takes it', async () => {
    const queue = new WorkQueue({ concurrency: 1 });
    const seen: string[] = [];
    for (const key of ['a', 'b', 'a', 'a', 'b', 'c']) queue.add(key);
    expect(queue.depth).toBe(3);
    queue.start(async (key) => {
      seen.push(key);
      return Promise.resolve(undefined);
    });
    await settle();
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('never runs one key twice at once, and reruns it once when it changed while in flight', async () => {
    const queue = new WorkQueue({ concurrency: 4 });
    const gates: ReturnType<typeof deferred>[] = [];
    let running = 0;
    let maxRunning = 0;
    queue.start(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      running--;
      return undefined;
    });
    queue.add('a');
    await settle();
    queue.add('a');
    queue.add('a');
    await settle();
    expect(gates).toHaveLength(1);
    gates[0]?.resolve();
    await settle();
    expect(gates).toHaveLength(2);
    gates[1]?.resolve();
    await settle();
    expect(gates).toHaveLength(2);
    expect(maxRunning).toBe(1);
  });

  it('runs at most `concurrency` handlers at once', async () => {
    const queue = new WorkQueue({ concurrency: 3 });
    const gates = new Map<string, ReturnType<typeof deferred>>();
    queue.start(async (key) => {
      const gate = deferred();
      gates.set(key, gate);
      return gate.promise;
    });
    for (let i = 0; i < 10; i++) queue.add(`k${String(i)}`);
    await settle();
    expect(gates.size).toBe(3);
    expect(queue.depth).toBe(7);
    gates.get('k0')?.resolve();
    await settle();
    expect(gates.size).toBe(4);
    expect([...gates.keys()]).toEqual(['k0', 'k1', 'k2', 'k3']);
  });

  it('keeps going after a handler throws, retrying that key with growing backoff', async () => {
    const retried = vi.fn();
    const metrics: QueueMetrics = { depth: () => undefined, added: () => undefined, retried };
    const queue = new WorkQueue({ concurrency: 1, baseDelayMs: 100, maxDelayMs: 1000, metrics });
    const calls: { key: string; at: number }[] = [];
    queue.start(async (key) => {
      calls.push({ key, at: Date.now() });
      if (key === 'bad') throw new Error('boom');
      return Promise.resolve(undefined);
    });
    const t0 = Date.now();
    queue.add('bad');
    queue.add('good');
    await settle();
    expect(calls.map((c) => c.key)).toEqual(['bad', 'good']);
    // Retries of "bad" come after 100, 200, 400, 800, 1000, 1000 ms.
    for (let i = 0; i < 6; i++) {
      await vi.advanceTimersToNextTimerAsync();
      await settle();
    }
    const badAt = calls.filter((c) => c.key === 'bad').map((c) => c.at - t0);
    const gaps = badAt.slice(1).map((at, i) => at - (badAt[i] ?? 0));
    expect(gaps).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(retried).toHaveBeenCalledTimes(7);
    queue.add('good');
    await settle();
    expect(calls.filter((c) => c.key === 'good')).toHaveLength(2);
  });

  it('forgets a key\'s failures once it succeeds, so the next failure starts from the base delay', async () => {
    const queue = new WorkQueue({ concurrency: 1, baseDelayMs: 100, maxDelayMs: 10_000 });
    let failNext = 3;
    const calls: number[] = [];
    queue.start(async () => {
      calls.push(Date.now());
      if (failNext-- > 0) throw new Error('not yet');
      return Promise.resolve(undefined);
    });
    queue.add('a');
    await settle();
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersToNextTimerAsync();
      await settle();
    }
    expect(calls).toHaveLength(4);
    // Succeeded: the failure count is gone, so the first new failure waits the base delay.
    failNext = 1;
    const before = Date.now();
    queue.add('a');
    await settle();
    await vi.advanceTimersToNextTimerAsync();
    await settle();
    expect(calls).toHaveLength(6);
    expect((calls[5] ?? 0) - before).toBe(100);
  });

  it('requeues after the delay a handler asks for', async () => {
    const queue = new WorkQueue({ concurrency: 1 });
    const calls: number[] = [];
    queue.start(async () => {
      calls.push(Date.now());
      return Promise.resolve(calls.length === 1 ? { requeueAfterMs: 5000 } : undefined);
    });
    const t0 = Date.now();
    queue.add('a');
    await settle();
    await vi.advanceTimersByTimeAsync(5000);
    await settle();
    expect(calls.map((at) => at - t0)).toEqual([0, 5000]);
  });

  it('shutdown waits for in-flight handlers and takes no new work', async () => {
    const queue = new WorkQueue({ concurrency: 2 });
    const gate = deferred();
    const seen: string[] = [];
    queue.start(async (key) => {
      seen.push(key);
      return gate.promise;
    });
    queue.add('a');
    await settle();
    let done = false;
    const stopped = queue.shutdown().then(() => {
      done = true;
    });
    queue.add('b');
    await settle();
    expect(done).toBe(false);
    gate.resolve();
    await stopped;
    expect(seen).toEqual(['a']);
  });
});

describe('WorkQueue wait metric', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports how long each key waited between being queued and taken by a worker', async () => {
    const waits: number[] = [];
    const metrics: QueueMetrics = { depth: () => undefined, added: () => undefined, retried: () => undefined, waited: (seconds) => waits.push(seconds) };
    const queue = new WorkQueue({ concurrency: 1, metrics });
    queue.add('a');
    vi.advanceTimersByTime(250);
    queue.start(() => Promise.resolve(undefined));
    await settle();
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeCloseTo(0.25, 2);
  });
});
