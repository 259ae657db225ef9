import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

describe('log lines', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    context.disable();
  });

  it('carry service name and version, and the span ids inside a span', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ serviceName: 'payment', serviceVersion: '1.2.3', destination });
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    context.with(trace.setSpanContext(context.active(), spanContext), () => {
      logger.info('inside');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ service: 'payment', version: '1.2.3', msg: 'inside', trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: '01', level: 'info' });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('of child loggers carry the span ids too, and a logged trace_id of the caller wins', () => {
    const { lines, destination } = capture();
    const child = createLogger({ serviceName: 'payment', serviceVersion: '1', destination }).child({ requestId: 'r-1' });
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE };
    context.with(trace.setSpanContext(context.active(), spanContext), () => {
      child.info({ password: 'pw' }, 'inside');
      child.info({ trace_id: 'other' }, 'explicit');
    });
    expect(lines[0]).toMatchObject({ requestId: 'r-1', trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: '00', password: '[REDACTED]' });
    expect(lines[1]).toMatchObject({ trace_id: 'other', span_id: spanContext.spanId });
  });

  it('redact authorization headers, passwords and card numbers, also in child bindings and errors', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ serviceName: 'payment', serviceVersion: '1', destination });
    logger.info(
      { req: { headers: { authorization: 'Bearer t0ken' } }, db: { password: 'pw', connectionString: 'postgres://a:b@h/d' }, card: { cardNumber: '4111111111111111' } },
      'charging 4111-1111-1111-1111 via postgres://app:pw@db/payments',
    );
    logger.info('login as %o', { user: 'u', password: 'fmt-pw' });
    logger.error(new Error('connect postgres://app:err-pw@db/x failed'));
    logger.error({ err: new Error('connect postgres://app:err-pw@db/x failed') });
    logger.child({ requestId: 'r-9' }).child({ db: { password: 'bound-pw' } }).error({ err: Object.assign(new Error('login failed'), { password: 'err-pw' }) }, 'failed');
    const text = JSON.stringify(lines);
    for (const secret of ['t0ken', '"pw"', 'a:b@', '4111111111111111', '4111-1111', 'app:pw@', 'bound-pw', 'err-pw', 'fmt-pw']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: '[REDACTED]' } }, db: { password: '[REDACTED]' } });
    expect(lines[2]?.msg).toBe('connect postgres://app:[REDACTED]@db/x failed');
    expect(lines[4]).toMatchObject({ requestId: 'r-9', db: { password: '[REDACTED]' }, err: { message: 'login failed', password: '[REDACTED]' } });
  });

  it('level comes from configuration', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ serviceName: 's', serviceVersion: '1', level: 'warn', destination });
    logger.info('dropped');
    logger.warn('kept');
    expect(lines.map((line) => line.msg)).toEqual(['kept']);
  });
});
