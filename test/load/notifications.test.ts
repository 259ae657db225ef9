import { describe, expect, it } from 'vitest';
import { findSentNotification, notificationLatency, pollDelay } from './notifications.ts';

describe('reading notifications', () => {
  it('finds a sent notification in a bare list or in { items }', () => {
    const sent = { status: 'SENT', outcome: 'CONFIRMED', sentAt: '2025-01-01T00:00:01.250Z' };
    expect(findSentNotification([sent])).toEqual({ sentAtMs: Date.parse(sent.sentAt), outcome: 'CONFIRMED' });
    expect(findSentNotification({ items: [{ status: 'PENDING', sentAt: null }, sent] })?.outcome).toBe('CONFIRMED');
    expect(findSentNotification({ items: [{ status: 'SENT' }] })).toEqual({ sentAtMs: undefined, outcome: undefined });
  });

  it('a pending or absent notification is not sent yet', () => {
    expect(findSentNotification([])).toBeUndefined();
    expect(findSentNotification({ items: [{ status: 'PENDING', sentAt: null }] })).toBeUndefined();
    expect(findSentNotification(undefined)).toBeUndefined();
    expect(findSentNotification({ title: 'Not Found' })).toBeUndefined();
  });

  it('latency runs to the service’s sentAt, not to when the poll happened to look', () => {
    expect(notificationLatency(1000, 1900, { sentAtMs: 1180, outcome: undefined })).toBe(180);
    expect(notificationLatency(1000, 1900, { sentAtMs: undefined, outcome: undefined })).toBe(900);
    // A sentAt outside the window cannot be right: fall back to the observation.
    expect(notificationLatency(1000, 1900, { sentAtMs: 900, outcome: undefined })).toBe(900);
  });

  it('polls back off from 50 ms to at most a second', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => pollDelay(a))).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
  });
});
