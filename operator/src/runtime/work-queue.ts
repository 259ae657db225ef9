// A rate-limited work queue in the client-go mould: a key is queued at most once
// (de-duplication), never processed by two workers at once (a key that changes
// while in flight is re-queued when its worker finishes), and failures come back
// after exponential backoff. A throwing handler never stops the loop.

export interface QueueMetrics {
  depth(value: number): void;
  added(): void;
  retried(): void;
  /** A worker took a key that had waited this long in the queue. */
  waited?(seconds: number): void;
}

export interface WorkQueueOptions {
  concurrency: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  metrics?: QueueMetrics;
}

export type Handler = (key: string) => Promise<{ requeueAfterMs?: number } | undefined>;

/** Exponential backoff for the n-th consecutive failure of one key (pure). */
export function backoffDelay(failures: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, failures - 1));
}

export class WorkQueue {
  readonly #queue: string[] = [];
  /** Queued keys → when they were queued (ms), for the wait metric. */
  readonly #queued = new Map<string, number>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #options: Required<Omit<WorkQueueOptions, 'metrics'>> & { metrics: QueueMetrics | undefined };
  #handler: Handler | undefined;
  #active = 0;
  #stopped = false;
  #idle: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    this.#options = { baseDelayMs: 50, maxDelayMs: 60_000, metrics: undefined, ...options };
  }

  get depth(): number {
    return this.#queue.length;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#options.metrics?.added();
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.set(key, performance.now());
    this.#queue.push(key);
    this.#options.metrics?.depth(this.#queue.length);
    this.#pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#stopped) return;
    const existing = this.#timers.get(key);
    if (existing !== undefined) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#timers.set(key, timer);
  }

  /** Re-queue after this key's backoff; returns the delay. */
  addRateLimited(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    this.#options.metrics?.retried();
    const delay = backoffDelay(failures, this.#options.baseDelayMs, this.#options.maxDelayMs);
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  start(handler: Handler): void {
    this.#handler = handler;
    this.#pump();
  }

  /** Stop taking work; resolves when in-flight handlers finished. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    if (this.#active === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    const handler = this.#handler;
    if (handler === undefined) return;
    while (!this.#stopped && this.#active < this.#options.concurrency && this.#queue.length > 0) {
      const key = this.#queue.shift();
      if (key === undefined) break;
      const queuedAt = this.#queued.get(key);
      if (queuedAt !== undefined) this.#options.metrics?.waited?.((performance.now() - queuedAt) / 1000);
      this.#queued.delete(key);
      this.#processing.add(key);
      this.#active++;
      this.#options.metrics?.depth(this.#queue.length);
      void this.#process(handler, key);
    }
  }

  async #process(handler: Handler, key: string): Promise<void> {
    try {
      const result = await handler(key);
      this.forget(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch {
      // The handler reports its own errors; the queue only schedules the retry.
      this.addRateLimited(key);
    } finally {
      this.#processing.delete(key);
      this.#active--;
      if (this.#dirty.delete(key)) this.add(key);
      if (this.#stopped && this.#active === 0) for (const resolve of this.#idle.splice(0)) resolve();
      this.#pump();
    }
  }
}
