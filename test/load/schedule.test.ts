import { describe, expect, it } from 'vitest';
import { dueAt, dueBy, totalScheduled, waitUntilDue } from './schedule.ts';

describe('rate schedule', () => {
  it('sends rate × duration purchases, evenly spaced from the start', () => {
    expect(totalScheduled(10_000, 250)).toBe(2500);
    expect(totalScheduled(500, 100)).toBe(50);
    expect(totalScheduled(1000, 0.5)).toBe(1);
    expect(dueAt(0, 250)).toBe(0);
    expect(dueAt(1, 250)).toBe(4);
    expect(dueAt(250, 250)).toBe(1000);
  });

  it('counts what is due by a moment, including purchases that are late', () => {
    expect(dueBy(-1, 100, 50)).toBe(0);
    expect(dueBy(0, 100, 50)).toBe(1);
    expect(dueBy(9.99, 100, 50)).toBe(1);
    expect(dueBy(10, 100, 50)).toBe(2);
    // A stalled loop catches up at once rather than shifting the schedule.
    expect(dueBy(250, 100, 50)).toBe(26);
    expect(dueBy(60_000, 100, 50)).toBe(50);
  });

  it('waits exactly until the next purchase is due', () => {
    expect(waitUntilDue(3, 10, 100)).toBe(20);
    expect(waitUntilDue(3, 45, 100)).toBe(0);
  });
});
