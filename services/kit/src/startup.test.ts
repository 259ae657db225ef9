import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { untilAvailable } from './startup.ts';

function clock() {
  let time = 0;
  return { now: () => time, sleep: (ms: number) => Promise.resolve(void (time += ms)) };
}

describe('untilAvailable', () => {
  it('retries a dependency that refuses until it answers, and returns its answer', async () => {
    const lines: { msg: string }[] = [];
    const logger = pino({}, { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) });
    let calls = 0;
    const answer = await untilAvailable('RabbitMQ', () => (++calls < 3 ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve('connected')), {
      timeoutMs: 10_000, logger, delayMs: () => 1_000, ...clock(),
    });
    expect(answer).toBe('connected');
    expect(lines.map((line) => line.msg)).toEqual(['waiting for RabbitMQ', 'waiting for RabbitMQ', 'RabbitMQ is available']);
  });

  it('gives up with the last error once the next attempt would pass the timeout', async () => {
    let calls = 0;
    const failing = () => Promise.reject(new Error(`refused ${String(++calls)}`));
    await expect(untilAvailable('Postgres', failing, { timeoutMs: 2_500, logger: pino({ level: 'silent' }), delayMs: () => 1_000, ...clock() }))
      .rejects.toThrow('refused 3');
  });
});
