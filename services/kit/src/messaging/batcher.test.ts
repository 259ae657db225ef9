import { describe, expect, it } from 'vitest';
import { inboxMarks } from './inbox.ts';
import { DeliveryBatcher, effectiveBatchLimits } from './batcher.ts';
import type { Delivery, Settlement } from './broker.ts';

const delivery = (n: number): Delivery => ({ body: Buffer.from(String(n)), headers: {}, attempt: 1 });

/** A batcher whose batches are recorded and settled with their bodies as the reason. */
function recording(limits: { maxSize: number; maxWaitMs: number }) {
  const batches: string[][] = [];
  const batcher = new DeliveryBatcher({ ...limits, inFlight: 1 }, (deliveries) => {
    batches.push(deliveries.map((d) => d.body.toString()));
    return Promise.resolve(deliveries.map((d): Settlement => ({ kind: 'retry', delayMs: 0, reason: d.body.toString() })));
  });
  return { batches, batcher };
}

describe('DeliveryBatcher', () => {
  it('takes the deliveries of one tick together and settles each with its own settlement', async () => {
    const { batches, batcher } = recording({ maxSize: 10, maxWaitMs: 0 });
    const settled = await Promise.all([1, 2, 3].map((n) => batcher.add(delivery(n))));
    expect(batches).toEqual([['1', '2', '3']]);
    expect(settled.map((s) => (s.kind === 'retry' ? s.reason : ''))).toEqual(['1', '2', '3']);
  });

  it('never lets a batch grow past maxSize', async () => {
    const { batches, batcher } = recording({ maxSize: 2, maxWaitMs: 50 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(delivery(n))));
    expect(batches).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('runs one batch at a time and sends what arrived meanwhile as soon as it ends', async () => {
    const batches: string[][] = [];
    let release: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (release = resolve));
    const batcher = new DeliveryBatcher({ maxSize: 2, maxWaitMs: 0, inFlight: 1 }, async (deliveries) => {
      batches.push(deliveries.map((d) => d.body.toString()));
      if (batches.length === 1) await first;
      return deliveries.map((): Settlement => ({ kind: 'ack' }));
    });
    const settled = [1, 2].map((n) => batcher.add(delivery(n)));
    const later = [3, 4, 5].map((n) => batcher.add(delivery(n)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([['1', '2']]);
    release();
    await Promise.all([...settled, ...later]);
    expect(batches).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('with inFlight 2, starts a second batch while the first runs and a third only when one of them ends', async () => {
    const batches: string[][] = [];
    const releases: (() => void)[] = [];
    const batcher = new DeliveryBatcher({ maxSize: 1, maxWaitMs: 0, inFlight: 2 }, async (deliveries) => {
      batches.push(deliveries.map((d) => d.body.toString()));
      await new Promise<void>((resolve) => releases.push(resolve));
      return deliveries.map((): Settlement => ({ kind: 'ack' }));
    });
    const settled = [1, 2, 3].map((n) => batcher.add(delivery(n)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([['1'], ['2']]);
    releases[1]?.();
    await settled[1];
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([['1'], ['2'], ['3']]);
    releases[0]?.();
    releases[2]?.();
    await Promise.all(settled);
  });

  it('passes a failed batch on to every delivery in it', async () => {
    const batcher = new DeliveryBatcher({ maxSize: 5, maxWaitMs: 0, inFlight: 1 }, () => Promise.reject(new Error('no database')));
    await expect(Promise.all([batcher.add(delivery(1)), batcher.add(delivery(2))])).rejects.toThrow('no database');
  });
});

describe('effectiveBatchLimits', () => {
  it('caps a batch at the prefetch, since no more deliveries are ever in hand', () => {
    expect(effectiveBatchLimits({ maxSize: 64, maxWaitMs: 2 }, 16)).toEqual({ maxSize: 16, maxWaitMs: 2, inFlight: 1 });
  });

  it('rejects a size below one, a wait that would hold events back and no batch in flight', () => {
    expect(() => effectiveBatchLimits({ maxSize: 0, maxWaitMs: 2 }, 16)).toThrow('batch.maxSize must be a positive integer, got 0');
    expect(() => effectiveBatchLimits({ maxSize: 8, maxWaitMs: 5_000 }, 16)).toThrow('batch.maxWaitMs must be between 0 and 1000, got 5000');
    expect(() => effectiveBatchLimits({ maxSize: 8, maxWaitMs: 0, inFlight: 0 }, 16)).toThrow('batch.inFlight must be a positive integer, got 0');
  });
});

describe('inboxMarks', () => {
  it('marks every event of a batch in one statement that returns the new ids, with values escaped', () => {
    expect(inboxMarks('ops', [{ envelope: { id: "a'1", type: 'TransactionCreated' } }, { envelope: { id: 'b', type: 'PaymentFailed' } }])).toBe(
      "INSERT INTO metrox_inbox (consumer, event_id, type) VALUES ('ops', 'a''1', 'TransactionCreated'), ('ops', 'b', 'PaymentFailed') ON CONFLICT DO NOTHING RETURNING event_id",
    );
  });
});
