import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './stats.ts';

describe('latency percentiles', () => {
  it('use the nearest rank of every sample', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(500);
    expect(percentile(values, 99)).toBe(990);
    expect(percentile(values, 100)).toBe(1000);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
  });

  it('summarize unsorted samples and report nothing as NaN rather than zero', () => {
    expect(summarize([30, 10, 20, 40])).toEqual({ count: 4, min: 10, mean: 25, p50: 20, p90: 40, p99: 40, max: 40 });
    const empty = summarize([]);
    expect(empty.count).toBe(0);
    expect(empty.p99).toBeNaN();
  });

  it('reject a percentile outside 0..100', () => {
    expect(() => percentile([1, 2], 101)).toThrow('within 0..100');
  });
});
