// Gathers deliveries a broker hands over one by one into batches. Brokers call the
// consumer's handle once per delivery and keep up to `prefetch` of them in flight, so a
// batch is simply what has arrived by the time the previous tick ends (maxWaitMs 0) or
// within a few milliseconds — never more than maxSize, and never held back for long.
// By default one batch runs at a time: two open batch transactions of one consumer would
// take the same hot rows (counters) in different orders and deadlock each other.
// Deliveries that arrive meanwhile form the next batch, which starts as soon as the
// running one ends. A consumer whose events touch rows of their own (one purchase each)
// lets several run at once: at a low rate every delivery is then a batch of one that
// starts at once, as without batching; batches only grow when deliveries queue up.
import type { Delivery, Settlement } from './broker.ts';

export interface BatchLimits {
  /** Most deliveries applied in one transaction; the consumer's prefetch should be at least this. */
  maxSize: number;
  /** How long the first delivery of a batch may wait for more: 0 means only those of the same tick. */
  maxWaitMs: number;
  /**
   * Batches applied at once (default 1). More only when no two events of the consumer
   * update the same rows: batches that do would deadlock (each then falls back to one
   * delivery at a time: correct, but slower).
   */
  inFlight?: number;
}

/** Pure: the limits a consumer runs with, or a clear error for nonsense; a batch never exceeds the prefetch. */
export function effectiveBatchLimits(limits: BatchLimits, prefetch: number): Required<BatchLimits> {
  if (!Number.isInteger(limits.maxSize) || limits.maxSize < 1) {
    throw new Error(`batch.maxSize must be a positive integer, got ${String(limits.maxSize)}`);
  }
  if (!Number.isFinite(limits.maxWaitMs) || limits.maxWaitMs < 0 || limits.maxWaitMs > 1_000) {
    throw new Error(`batch.maxWaitMs must be between 0 and 1000, got ${String(limits.maxWaitMs)}`);
  }
  const inFlight = limits.inFlight ?? 1;
  if (!Number.isInteger(inFlight) || inFlight < 1) {
    throw new Error(`batch.inFlight must be a positive integer, got ${String(limits.inFlight)}`);
  }
  return { maxSize: Math.min(limits.maxSize, prefetch), maxWaitMs: limits.maxWaitMs, inFlight: Math.min(inFlight, prefetch) };
}

interface Waiting {
  delivery: Delivery;
  settle: (settlement: Settlement) => void;
  fail: (error: unknown) => void;
}

export class DeliveryBatcher {
  readonly #limits: Required<BatchLimits>;
  readonly #run: (deliveries: Delivery[]) => Promise<Settlement[]>;
  #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #running = 0;

  /** `run` settles a batch: one settlement per delivery, in the same order. */
  constructor(limits: Required<BatchLimits>, run: (deliveries: Delivery[]) => Promise<Settlement[]>) {
    this.#limits = limits;
    this.#run = run;
  }

  /** Resolves with the delivery's settlement once its batch is done. */
  add(delivery: Delivery): Promise<Settlement> {
    return new Promise<Settlement>((settle, fail) => {
      this.#waiting.push({ delivery, settle, fail });
      if (this.#full()) return; // a running batch's end starts the next
      if (this.#waiting.length >= this.#limits.maxSize) this.#flush();
      else this.#timer ??= this.#limits.maxWaitMs === 0 ? setImmediate(() => { this.#flush(); }) : setTimeout(() => { this.#flush(); }, this.#limits.maxWaitMs);
    });
  }

  #full(): boolean {
    return this.#running >= this.#limits.inFlight;
  }

  #flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
      this.#timer = undefined;
    }
    if (this.#full()) return;
    const batch = this.#waiting.slice(0, this.#limits.maxSize);
    this.#waiting = this.#waiting.slice(batch.length);
    if (batch.length === 0) return;
    this.#running += 1;
    const done = () => {
      this.#running -= 1;
      // What arrived meanwhile has waited long enough: it goes now, however few.
      if (this.#waiting.length > 0) this.#flush();
    };
    this.#run(batch.map((waiting) => waiting.delivery)).then(
      (settlements) => {
        batch.forEach((waiting, index) => {
          const settlement = settlements[index];
          if (settlement) waiting.settle(settlement);
          else waiting.fail(new Error(`batch returned ${String(settlements.length)} settlements for ${String(batch.length)} deliveries`));
        });
        done();
      },
      (error: unknown) => {
        for (const waiting of batch) waiting.fail(error);
        done();
      },
    );
  }
}
