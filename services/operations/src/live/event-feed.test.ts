import { describe, expect, it } from 'vitest';
import { announcement, announcements, feedChannel, parseAnnouncement } from './event-feed.ts';

describe('event feed announcements', () => {
  it('announce a whole batch in one notice, in order', () => {
    expect(announcements(['a', 'b', 'c'], 'r1')).toEqual([{ channel: feedChannel, payload: '{"ids":["a","b","c"],"origin":"r1"}' }]);
  });

  it('split a batch whose ids would pass the NOTIFY payload limit, losing none', () => {
    const ids = Array.from({ length: 400 }, (_, n) => `${String(n).padStart(4, '0')}-0000-4000-8000-000000000000`);
    const notices = announcements(ids, 'r1');
    expect(notices.length).toBeGreaterThan(1);
    expect(notices.every((notice) => Buffer.byteLength(notice.payload) < 8_000)).toBe(true);
    expect(notices.flatMap((notice) => parseAnnouncement(notice.payload).ids)).toEqual(ids);
  });

  it('read back a single announcement, and the single-id form of replicas from before batching', () => {
    expect(parseAnnouncement(announcement('a', 'r1').payload)).toEqual({ ids: ['a'], origin: 'r1' });
    expect(parseAnnouncement('{"id":"a","origin":"r2"}')).toEqual({ ids: ['a'], origin: 'r2' });
  });

  it('refuse a payload that is not an announcement, naming it', () => {
    expect(() => parseAnnouncement('{"ids":[1],"origin":"r1"}')).toThrow('not an event feed announcement: {"ids":[1],"origin":"r1"}');
  });
});
