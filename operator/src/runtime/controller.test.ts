import { describe, expect, it } from 'vitest';
import { resyncBatchSize } from './controller.ts';

describe('resync batches', () => {
  it('spread 10,000 keys over five minutes at about 34 a second', () => {
    expect(resyncBatchSize(10_000, 300_000, 1000)).toBe(34);
  });

  it('queue a small fleet one key a step, and everything at once when there is no time to spread over', () => {
    expect(resyncBatchSize(3, 300_000, 1000)).toBe(1);
    expect(resyncBatchSize(50, 500, 1000)).toBe(50);
    expect(resyncBatchSize(0, 300_000, 1000)).toBe(1);
  });
});
