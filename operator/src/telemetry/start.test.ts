// The operator logs through the services' logger: the same censoring, the same line shape.
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { startOperatorTelemetry } from './start.ts';
import { operatorServiceName } from './variables.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

describe("the operator's telemetry", () => {
  it('logs JSON lines named after the operator, with secrets censored as the services censor them', () => {
    const { lines, destination } = capture();
    const { log } = startOperatorTelemetry({}, destination);
    log('warn', 'cannot reach postgres://admin:s3cret@db:5432/postgres', { adminUrl: 'amqp://guest:guest-pw@mq:5672', password: 'pw', db: { connectionString: 'postgres://a:b@h/d' } });
    const text = JSON.stringify(lines);
    for (const secret of ['s3cret', 'guest-pw', '"pw"', 'a:b@']) expect(text).not.toContain(secret);
    expect(lines).toEqual([expect.objectContaining({
      level: 'warn',
      service: operatorServiceName,
      msg: 'cannot reach postgres://admin:[REDACTED]@db:5432/postgres',
      adminUrl: 'amqp://guest:[REDACTED]@mq:5672',
      password: '[REDACTED]',
      db: { connectionString: '[REDACTED]' },
    })]);
  });

  it('reads LOG_LEVEL, and names a bad one in a clear error', () => {
    const { lines, destination } = capture();
    const { log } = startOperatorTelemetry({ LOG_LEVEL: 'warn' }, destination);
    log('info', 'dropped');
    log('error', 'kept');
    expect(lines.map((line) => line.msg)).toEqual(['kept']);
    expect(() => startOperatorTelemetry({ LOG_LEVEL: 'verbose' }, destination)).toThrow('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"');
  });

  it('with no OTEL_* export configured registers no tracer provider, so its spans are no-ops', () => {
    startOperatorTelemetry({}, capture().destination);
    const span = trace.getTracer('probe').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    span.end();
  });
});
