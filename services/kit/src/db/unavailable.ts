// Which database failures mean "the database is not there right now" rather than "this
// statement is wrong": the first kind is retried (an event is redelivered, a client gets
// 503 and tries again), the second is a bug or bad data. Pure.
import { RetryableError } from '../messaging/retry.ts';

/**
 * The database went away (restart, failover, a terminated backend) or refuses connections
 * for now. Retryable: inbox handlers that let it through are retried without limit, and
 * HTTP routes answer 503. When it interrupted a COMMIT, the transaction may or may not have
 * committed: a caller that retries must be idempotent (an Idempotency-Key, an inbox id).
 */
export class DatabaseUnavailableError extends RetryableError {
  override name = 'DatabaseUnavailableError';
}

// SQLSTATE class 08 (connection exception), 57P01 admin_shutdown (pg_terminate_backend, fast
// shutdown), 57P02 crash_shutdown (immediate shutdown, a crashed backend), 57P03
// cannot_connect_now (starting up, shutting down, recovering), 53300 too_many_connections.
const unavailableState = /^(08...|57P0[123]|53300)$/;

// Socket-level failures reaching the server.
const unreachable = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// node-postgres reports a lost or refused connection without a code, only in these words
// (pg 8: client.js and pg-pool).
const lostConnection = /^(Connection terminated|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)/;

/** Pure: whether `error` (or an error it wraps as `cause`) says the database is unavailable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && (unavailableState.test(code) || unreachable.has(code))) return true;
    if (typeof message === 'string' && lostConnection.test(message)) return true;
    current = cause;
  }
  return false;
}

/** `error` as a DatabaseUnavailableError when it is one in substance, else unchanged. */
export function asDatabaseUnavailable(error: unknown, during?: string): unknown {
  if (error instanceof DatabaseUnavailableError || !isDatabaseUnavailable(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const outcome = during === 'COMMIT' ? ' during COMMIT: the transaction may or may not have committed' : '';
  return new DatabaseUnavailableError(`database unavailable${outcome} (${reason})`, { cause: error });
}
