// Pure: one JSON log line of a service, made readable for a terminal. Lines that are
// not JSON (warnings from Node itself) pass through unchanged.

const levels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const hidden = new Set(['level', 'time', 'msg', 'service', 'version', 'pid', 'hostname', 'trace_flags', 'span_id']);

export function formatLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return line;
  const record = entry as Record<string, unknown>;
  const level = typeof record.level === 'number' ? (levels[record.level] ?? String(record.level)) : typeof record.level === 'string' ? record.level : '';
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const message = typeof record.msg === 'string' ? record.msg : '';
  const fields = Object.entries(record)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${key}=${compact(key, value)}`);
  return [time, level.toUpperCase().padEnd(5), message, ...fields].filter((part) => part !== '').join(' ');
}

/** Request and response objects of the HTTP log lines are long; the gist fits in a word. */
function compact(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (key === 'responseTime' && typeof value === 'number') return `${value.toFixed(1)}ms`;
  const object = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (key === 'req' && typeof object.method === 'string' && typeof object.url === 'string') return `"${object.method} ${object.url}"`;
  if (key === 'res' && typeof object.statusCode === 'number') return String(object.statusCode);
  return JSON.stringify(value);
}
