// JSON-schema pieces for request inputs that reach Postgres, stored or compared. Postgres
// text cannot hold a NUL character, and an indexed value must stay well under a btree
// page (about 2.7 kB, up to 4 bytes a character): past either the query fails, and the
// client gets a 500 for its own bad input. A schema built from these refuses such input
// first, with a 400 that names it, and /openapi.json tells clients the limits.

/** A string without NUL characters. */
export const noNulPattern = '^[^\\u0000]*$';

/** Text Postgres can store: bounded, and without NUL characters. */
export function storableText(bounds: { minLength?: number; maxLength: number; description?: string }) {
  return { type: 'string', ...bounds, pattern: noNulPattern } as const;
}
