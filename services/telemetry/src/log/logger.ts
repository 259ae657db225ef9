// pino JSON on stdout: service name and version on every line, the active span's ids
// on every line written inside a span, and secrets redacted before they leave the process.
import { isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';
import { censorSecretFields } from './censor.ts';
import { scrubSecrets } from './scrub.ts';

export type { Logger } from 'pino';

/** The levels LOG_LEVEL may name, most severe first (`silent` logs nothing). */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** LOG_LEVEL, `info` when unset; anything else is a clear error, not pino's. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (raw === undefined || raw === '') return 'info';
  const level = logLevels.find((name) => name === raw);
  if (level === undefined) throw new Error(`LOG_LEVEL must be one of ${logLevels.join(', ')}; got "${env.LOG_LEVEL ?? ''}"`);
  return level;
}

export interface LoggerOptions {
  serviceName: string;
  serviceVersion: string;
  level?: string;
  /** Where lines go; stdout unless a test wants them. */
  destination?: pino.DestinationStream;
  /**
   * Writes each line to stdout before the log call returns, so a line logged right before
   * process.exit is never lost (a process that logs little, like the operator). Buffered otherwise.
   */
  sync?: boolean;
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
 * than to the logged object: hex ids need no censoring, and the object stays as the caller
 * built it. A field of the same name that the caller logged comes later in the line and
 * wins, as it would over a mixin.
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

/** A log call's argument without its secrets; the logged object (index 0) is left to formatters.log. */
function scrubArgument(arg: unknown, index: number): unknown {
  if (typeof arg === 'string') return scrubSecrets(arg);
  return index > 0 && typeof arg === 'object' && arg !== null ? censorSecretFields(arg) : arg;
}

/** The message pino would give a line that logs `logged` alone: an error's, or `{ err }`'s. */
function messageOfLoggedError(logged: unknown): string | undefined {
  if (logged instanceof Error) return logged.message;
  if (typeof logged !== 'object' || logged === null || 'msg' in logged) return undefined;
  const { err } = logged as { err?: unknown };
  return err instanceof Error ? err.message : undefined;
}

export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: options.serviceName, version: options.serviceVersion, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      // Secrets by field name (child bindings: below). Not pino's `redact`: its wildcard paths
      // serialize every field of every line through a cloning redactor, which made a line
      // cost about three times what it does now.
      formatters: { level: (label) => ({ level: label }), log: censorSecretFields },
      hooks: {
        // Values can hide secrets too: a connection string or card number inside a message,
        // or a secret field of an object formatted into it (`%o`, `%j`; the logged object
        // itself is censored by formatters.log).
        logMethod(args, method) {
          const scrubbed = args.map(scrubArgument);
          // With no message given, pino takes the logged error's own, which no hook sees.
          const errorMessage = args.length === 1 ? messageOfLoggedError(args[0]) : undefined;
          if (errorMessage !== undefined) scrubbed.push(scrubSecrets(errorMessage));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
        streamWrite: withTraceIds,
      },
      serializers: {
        err: (err: unknown) => {
          const serialized = pino.stdSerializers.err(err as Error);
          return censorSecretFields({ ...serialized, message: scrubSecrets(serialized.message), stack: scrubSecrets(serialized.stack) });
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: options.sync ?? false }),
  );
  // pino formats a child's bindings once, when the child is made, and with no formatter of
  // ours; children inherit this method, so theirs are censored too.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each logger's own `this`
  const { child } = logger;
  logger.child = function censoredChild(this: Logger, bindings, childOptions) {
    return child.call(this, censorSecretFields(bindings), childOptions);
  } as Logger['child'];
  return logger;
}
