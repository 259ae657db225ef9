// pino JSON on stdout: service name and version on every line, the active span's ids
// on every line written inside a span, and secrets redacted before they leave the process.
import { isSpanContextValid, trace } from '@opentelemetry/api';
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

/** The trace fields of the active span, in the names the OpenTelemetry log data model uses. */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: `0${ctx.traceFlags.toString(16)}`.slice(-2) };
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
