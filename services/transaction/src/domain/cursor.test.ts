import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('pagination cursor', () => {
  it('round-trips the position of the last row', () => {
    const cursor = { createdAt: '2025-01-02T03:04:05.678901Z', id: '0b6f3c52-8a7e-4d0b-9a51-6e3f2d1c0b9a' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('anything else is not a cursor', () => {
    for (const junk of ['', 'not-base64!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')]) {
      expect(decodeCursor(junk)).toBeUndefined();
    }
  });

  it('a position Postgres could not read is not a cursor: no date out of range, no impossible day, no id that is not a UUID', () => {
    const id = '0b6f3c52-8a7e-4d0b-9a51-6e3f2d1c0b9a';
    const forged = [
      ['+275760-09-13T00:00:00.000000Z', id],
      ['0000-01-01T00:00:00.000000Z', id],
      ['2025-02-31T00:00:00.000000Z', id],
      ['2025-01-02T24:00:00.000000Z', id],
      ['2025-01-02', id],
      ['Thu, 02 Jan 2025 03:04:05 GMT', id],
      ['2025-01-02T03:04:05.678901Z', 'a1'],
      ['2025-01-02T03:04:05.678901Z', `${id}\u0000`],
    ];
    for (const [createdAt, forgedId] of forged) {
      expect(decodeCursor(Buffer.from(JSON.stringify([createdAt, forgedId])).toString('base64url')), `${createdAt} ${forgedId}`).toBeUndefined();
    }
  });
});
