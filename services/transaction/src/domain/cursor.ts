// Keyset pagination: the cursor names the last row a page ended on (newest first),
// so pages stay stable while new purchases arrive. Opaque to clients (base64url JSON).
// Its values go into a query as a timestamptz and a uuid: only values this service could
// have issued are accepted, so a forged cursor is refused here instead of failing there.

export interface Cursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

// As the store renders created_at: UTC with microseconds.
const timestampPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})\d{3}Z$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A real instant in the form the store writes (Date normalizes 02-31 to 03-03: the round trip must hold). */
function isStoredTimestamp(value: string): boolean {
  const millis = timestampPattern.exec(value)?.[1];
  if (millis === undefined || millis.startsWith('0000')) return false;
  const date = new Date(`${millis}Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString() === `${millis}Z`;
}

/** Pure: undefined for anything that is not a cursor this service issued. */
export function decodeCursor(value: string): Cursor | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt !== 'string' || typeof id !== 'string' || !isStoredTimestamp(createdAt) || !uuidPattern.test(id)) return undefined;
    return { createdAt, id };
  } catch {
    return undefined;
  }
}
