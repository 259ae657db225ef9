// Canonical JSON: the same bytes for the same value whatever the order of its
// keys. Rendered-hash annotations and status comparisons depend on it. Pure.

/** Array-index keys, which JavaScript objects keep first and in numeric order. */
function isIndexKey(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/**
 * An object's keys in the order JSON.stringify gives a copy built with sorted keys:
 * array-index keys first in numeric order (where Object.keys already has them), then
 * the others sorted.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  let indexKeys = 0;
  while (indexKeys < keys.length && isIndexKey(keys[indexKeys] ?? '')) indexKeys++;
  if (indexKeys === 0) return keys.sort();
  return [...keys.slice(0, indexKeys), ...keys.slice(indexKeys).sort()];
}

function canonical(value: unknown): string | undefined {
  let v = value;
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: () => unknown }).toJSON();
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((item) => canonical(item) ?? 'null').join(',')}]`;
      const record = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of sortedKeys(record)) {
        const text = canonical(record[key]);
        if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      // undefined, functions and symbols: left out, as JSON.stringify does.
      return undefined;
  }
}

/**
 * JSON with sorted keys: the API server returns stored maps in its own key order.
 * Byte for byte what JSON.stringify gives for the same value with every object's
 * keys sorted (rendered-hash annotations depend on it), without building the
 * sorted copies.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value) ?? 'undefined';
}
