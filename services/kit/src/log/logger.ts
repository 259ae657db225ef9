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

interface SpanIds {
  fields: TraceFields;
  /** The same as JSON members, ready to open a log line with. */
  json: string;
}

// Every log line and every exemplar of a request asks for the same span's ids: build
// them once per span. Keyed weakly, so an ended span takes its entry with it.
const idsOfSpan = new WeakMap<Span, SpanIds | null>();

function idsOf(span: Span): SpanIds | undefined {
  let ids = idsOfSpan.get(span);
  if (ids === undefined) {
    const ctx = span.spanContext();
    if (isSpanContextValid(ctx)) {
      const fields = { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: `0${ctx.traceFlags.toString(16)}`.slice(-2) };
      ids = { fields, json: `"trace_id":"${fields.trace_id}","span_id":"${fields.span_id}","trace_flags":"${fields.trace_flags}",` };
    } else {
      ids = null;
    }
    idsOfSpan.set(span, ids);
  }
  return ids ?? undefined;
}

function activeSpanIds(): SpanIds | undefined {
  const span = trace.getActiveSpan();
  return span ? idsOf(span) : undefined;
}

/**
 * Opens a finished log line with the active span's ids. Added to the written line rather
 * than to the logged object: hex ids need no redaction, and each extra field of the object
 * would go through every wildcard redaction path. A field of the same name that the caller
 * logged comes later in the line and wins, as it would over a mixin.
 */
export function withTraceIds(line: string): string {
  const ids = activeSpanIds();
  return ids && line.startsWith('{') ? `{${ids.json}${line.slice(1)}` : line;
}

/** The active span's trace fields, or none outside a span. Shared between callers: do not modify. */
export function activeTraceFields(): TraceFields | undefined {
  return activeSpanIds()?.fields;
}

/** The trace fields of the active span, in the names the OpenTelemetry log data model uses. */
export function traceFields(): Record<string, string> {
  const fields = activeTraceFields();
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
