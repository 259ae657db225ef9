import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from './broker.ts';

describe('reconnect delay', () => {
  it('doubles from 250 ms up to 15 s', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 7, 8, 30].map((attempt) => reconnectDelayMs(attempt, middle))).toEqual([250, 500, 1_000, 2_000, 15_000, 15_000, 15_000]);
  });

  it('spreads replicas by ±20 %', () => {
    expect(reconnectDelayMs(3, () => 0)).toBe(800);
    expect(reconnectDelayMs(3, () => 1)).toBe(1_200);
  });
});
