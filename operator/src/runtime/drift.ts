// Decides whether a child needs applying: it does when a field we render differs
// from the live object. The API server adds defaults and drops zero values
// (omitempty), so a live object "contains" the desired one when every non-empty
// desired field is present and equal. Pure.

function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(isZero);
  return false;
}

export function contains(live: unknown, desired: unknown): boolean {
  if (live === undefined || live === null) return isZero(desired);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return isZero(desired) && (!Array.isArray(live) || live.length === 0);
    return desired.every((item, index) => contains(live[index], item));
  }
  if (typeof desired === 'object' && desired !== null) {
    if (typeof live !== 'object' || Array.isArray(live)) return false;
    const record = live as Record<string, unknown>;
    return Object.entries(desired).every(([key, value]) => contains(record[key], value));
  }
  // Numbers rendered as strings in env values, ports as numbers: compare as JSON scalars.
  return live === desired;
}
