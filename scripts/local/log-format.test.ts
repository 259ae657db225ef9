import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-format.ts';

describe('local log format', () => {
  it('shows time, level, message and the interesting fields of a JSON line', () => {
    const line = JSON.stringify({ level: 'info', time: '2025-06-01T08:00:00.123Z', service: 'payment', pid: 1, msg: 'payment answered', status: 'CONFIRMED', n: 2 });
    expect(formatLogLine(line)).toBe('08:00:00.123 INFO  payment answered status=CONFIRMED n=2');
  });

  it('shortens HTTP request and response fields', () => {
    const line = JSON.stringify({ level: 30, time: '2025-06-01T08:00:00.123Z', msg: 'request completed', req: { method: 'GET', url: '/x', host: 'h' }, res: { statusCode: 200 }, responseTime: 2.2831 });
    expect(formatLogLine(line)).toBe('08:00:00.123 INFO  request completed req="GET /x" res=200 responseTime=2.3ms');
  });

  it('passes other lines through', () => {
    expect(formatLogLine('(node:1) Warning: something')).toBe('(node:1) Warning: something');
    expect(formatLogLine('[1,2]')).toBe('[1,2]');
  });
});
