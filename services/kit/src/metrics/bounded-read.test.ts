import { describe, expect, it } from 'vitest';
import { boundedRead } from './bounded-read.ts';

const after = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => {
    setTimeout(() => {
      resolve(value);
    }, ms);
  });

describe('a bounded read', () => {
  it('reuses a reading while it is fresh and reads again once it is stale', async () => {
    let clock = 0;
    let reads = 0;
    const read = boundedRead(() => Promise.resolve(++reads), 0, { timeoutMs: 100, maxAgeMs: 1_000, now: () => clock });
    expect(await read()).toBe(1);
    clock = 999;
    expect(await read()).toBe(1);
    clock = 1_000;
    expect(await read()).toBe(2);
  });

  it('answers with the last good reading, or the fallback, when the source is slow or failing', async () => {
    let slow = true;
    let fail = false;
    const read = boundedRead(
      () => {
        if (fail) return Promise.reject(new Error('broker gone'));
        return slow ? after(200, 99) : Promise.resolve(7);
      },
      -1,
      { timeoutMs: 20, maxAgeMs: 0 },
    );
    const started = Date.now();
    expect(await read()).toBe(-1);
    expect(Date.now() - started).toBeLessThan(150);
    await after(250, undefined); // the slow read finished in the background and was kept
    fail = true;
    expect(await read()).toBe(99);
    fail = false;
    slow = false;
    expect(await read()).toBe(7);
  });
});
