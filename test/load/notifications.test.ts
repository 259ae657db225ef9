import { describe, expect, it } from 'vitest';
import { notificationLatency, pollDelay, sentNotifications } from './notifications.ts';

describe('reading notifications', () => {
  it('finds each transaction’s sent notification in a bare list or in { items }', () => {
    const sent = { transactionId: 't-1', status: 'SENT', outcome: 'CONFIRMED', sentAt: '2025-01-01T00:00:01.250Z' };
    expect(sentNotifications([sent])).toEqual(new Map([['t-1', { sentAtMs: Date.parse(sent.sentAt), outcome: 'CONFIRMED' }]]));
    const several = sentNotifications({
      items: [{ transactionId: 't-1', status: 'PENDING', sentAt: null }, sent, { transactionId: 't-2', status: 'SENT' }, { transactionId: 't-3', status: 'PENDING' }],
    });
    expect([...several.keys()]).toEqual(['t-1', 't-2']);
    expect(several.get('t-1')?.outcome).toBe('CONFIRMED');
    expect(several.get('t-2')).toEqual({ sentAtMs: undefined, outcome: undefined });
  });

  it('a pending or absent notification is not sent yet', () => {
    expect(sentNotifications([]).size).toBe(0);
    expect(sentNotifications({ items: [{ transactionId: 't-1', status: 'PENDING', sentAt: null }] }).size).toBe(0);
    expect(sentNotifications(undefined).size).toBe(0);
    expect(sentNotifications({ title: 'Not Found' }).size).toBe(0);
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
