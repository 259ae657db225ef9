// pino JSON on stdout: service name and version on every line, the active span's ids
// on every line written inside a span, and secrets redacted before they leave the process.
import { isSpanContextValid, trace, type Span } from '@opentelemetry/api';
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

// Every log line and every exemplar of a request asks for the same span's ids: build
// them once per span. Keyed weakly, so an ended span takes its entry with it.
const fieldsOfSpan = new WeakMap<Span, TraceFields | null>();

function fieldsOf(span: Span): TraceFields | undefined {
  let fields = fieldsOfSpan.get(span);
  if (fields === undefined) {
    const ctx = span.spanContext();
    fields = isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: `0${ctx.traceFlags.toString(16)}`.slice(-2) } : null;
    fieldsOfSpan.set(span, fields);
  }
  return fields ?? undefined;
}

/** The active span's trace fields, or none outside a span. Shared between callers: do not modify. */
export function activeTraceFields(): TraceFields | undefined {
  const span = trace.getActiveSpan();
  return span ? fieldsOf(span) : undefined;
}

/** The trace fields of the active span, in the names the OpenTelemetry log data model uses. */
export function traceFields(): Record<string, string> {
  const fields = activeTraceFields();
  // A fresh object: pino merges the line's own fields into what the mixin returns.
  return fields ? { trace_id: fields.trace_id, span_id: fields.span_id, trace_flags: fields.trace_flags } : {};
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.serviceName, version: options.serviceVersion, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
      redact: { paths: redactPaths, censor: '[REDACTED]' },
      hooks: {
        // Values can hide secrets too: a connection string or card number inside a message.
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<typeof method>);
        },
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
