// Pure: censors fields named like secrets in what a log line records, before it is
// serialized. Plain objects are walked a few levels down (a logged `{ db: { password } }`
// or `{ req: { headers: { authorization } } }`); class instances such as requests and
// errors reach the line through their serializers, which keep only known fields (the
// error serializer censors its output too). Copies only what changes, so a line with
// nothing to censor costs a walk over its keys, not a copy.

export const censored = '[REDACTED]';

/** Compared in lower case: `Authorization`, `PASSWORD` and `connectionString` all count. */
const secretFieldNames: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'password',
  'secret',
  'token',
  'connectionstring',
  'databaseurl',
  'cardnumber',
  'pan',
]);

/** Levels of plain objects walked: the logged object's own fields are level one. */
const depth = 3;

export function censorSecretFields<T extends object>(value: T, levels = depth): T {
  let copy: Record<string, unknown> | undefined;
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    const field = fields[key];
    let kept = field;
    if (secretFieldNames.has(key.toLowerCase())) kept = field === undefined ? field : censored;
    else if (levels > 1 && isPlainObject(field)) kept = censorSecretFields(field, levels - 1);
    if (kept !== field) {
      copy ??= { ...fields };
      copy[key] = kept;
    }
  }
  return (copy ?? value) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
