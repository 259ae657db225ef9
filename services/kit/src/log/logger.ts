// pino JSON on stdout: service name and version on every line, the active span's ids
// on every line written inside a span, and secrets redacted before they leave the process.
import { isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';
import { scrubSecrets } from './scrub.ts';

export type { Logger } from 'pino';

/** Paths pino censors wherever they appear in a logged object (one level of nesting via `*`). */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'headers.authorization',
  'authorization',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'connectionString',
  '*.connectionString',
  'databaseUrl',
  '*.databaseUrl',
  'cardNumber',
  '*.cardNumber',
  'pan',
  '*.pan',
];

export interface LoggerOptions {
  serviceName: string;
  serviceVersion: string;
  level?: string;
  /** Where lines go; stdout unless a test wants them. */
  destination?: pino.DestinationStream;
}

/** The trace fields of a span context, in the names the OpenTelemetry log data model uses. */
export interface TraceFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
}

function activeSpanContext(): SpanContext | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? ctx : undefined;
}

const flagsOf = (ctx: SpanContext) => `0${ctx.traceFlags.toString(16)}`.slice(-2);

/**
 * Opens a finished log line with the active span's ids. Added to the written line rather
 * than to the logged object: hex ids need no redaction, and each extra field of the object
 * would go through every wildcard redaction path. A field of the same name that the caller
 * logged comes later in the line and wins, as it would over a mixin.
 */
export function withTraceIds(line: string): string {
  // Computed on each call: caching per span (a WeakMap) measured slower than this.
  const ctx = activeSpanContext();
  if (!ctx || !line.startsWith('{')) return line;
  return `{"trace_id":"${ctx.traceId}","span_id":"${ctx.spanId}","trace_flags":"${flagsOf(ctx)}",${line.slice(1)}`;
}

/** The active span's trace fields, or none outside a span. */
export function activeTraceFields(): TraceFields | undefined {
  const ctx = activeSpanContext();
  return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: flagsOf(ctx) } : undefined;
}

/** The trace fields of the active span, in the names the OpenTelemetry log data model uses. */
export function traceFields(): Record<string, string> {
  return { ...activeTraceFields() };
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.serviceName, version: options.serviceVersion, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths, censor: '[REDACTED]' },
      hooks: {
        // Values can hide secrets too: a connection string or card number inside a message.
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<typeof method>);
        },
        streamWrite: withTraceIds,
      },
      serializers: {
        err: (err: unknown) => {
          const serialized = pino.stdSerializers.err(err as Error);
          return { ...serialized, message: scrubSecrets(serialized.message), stack: scrubSecrets(serialized.stack) };
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
