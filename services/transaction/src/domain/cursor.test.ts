import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('pagination cursor', () => {
  it('round-trips the position of the last row', () => {
    const cursor = { createdAt: '2025-01-02T03:04:05.678901Z', id: 'a1' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('anything else is not a cursor', () => {
    for (const junk of ['', 'not-base64!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')]) {
      expect(decodeCursor(junk)).toBeUndefined();
    }
  });
});
