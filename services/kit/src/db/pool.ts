// The database edge: a pg pool and a transaction helper. Handlers receive the
// transaction's client so their writes, the outbox row and the inbox mark commit together.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { untraced } from '../telemetry/trace-context.ts';
import { asDatabaseUnavailable } from './unavailable.ts';

export type Pool = pg.Pool;
/** A client inside an open transaction (or any queryable client). */
export type Tx = pg.PoolClient;

export function createPool(connectionString: string, max = 10, logger?: Pick<Logger, 'warn'>): Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  // A client losing its connection emits 'error'; with no listener that would end the process.
  // While idle, the pool listens and replaces it. While checked out, pg-pool listens to
  // nothing: this listener stays on each client for its whole life, and the failure reaches
  // the holder as the rejection of its current or next query (the pool then drops the client).
  const reported = new WeakSet<pg.Client>();
  const lost = (error: Error, client: pg.Client): void => {
    if (reported.has(client)) return; // one line per connection, however many errors it emits
    reported.add(client);
    logger?.warn({ err: error }, 'database connection lost');
  };
  pool.on('error', lost);
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      lost(error, client);
    });
  });
  return pool;
}

/**
 * Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. A lost or
 * refused connection rejects with a DatabaseUnavailableError (retryable; 503 over HTTP).
 */
export function withTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  return inTransaction(pool, (client) => untraced(() => client.query('BEGIN')).then(() => []), (tx) => work(tx));
}

/**
 * Like withTransaction, but BEGIN travels with `firstStatements` (plain SQL, no parameters:
 * escape values with `escapeLiteral`) in one round trip; `work` gets their results.
 */
export function withTransactionOpenedBy<T>(
  pool: Pool,
  firstStatements: string,
  work: (tx: Tx, opened: pg.QueryResult[]) => Promise<T>,
): Promise<T> {
  return inTransaction(
    pool,
    async (client) => {
      // The simple query protocol answers a multi-statement text with one result per statement.
      const answer: pg.QueryResult | pg.QueryResult[] = await client.query(`BEGIN; ${firstStatements}`);
      const results: pg.QueryResult[] = Array.isArray(answer) ? answer : [];
      return results.slice(1);
    },
    work,
  );
}

// Bare BEGIN, COMMIT and ROLLBACK run untraced: a trace learns nothing from them, and they
// would be a third of a service's database spans.
async function inTransaction<T>(
  pool: Pool,
  open: (client: Tx) => Promise<pg.QueryResult[]>,
  work: (tx: Tx, opened: pg.QueryResult[]) => Promise<T>,
): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw asDatabaseUnavailable(error);
  });
  let broken = false;
  let committing = false;
  try {
    const result = await work(client, await open(client));
    committing = true;
    await untraced(() => client.query('COMMIT'));
    return result;
  } catch (error) {
    try {
      await untraced(() => client.query('ROLLBACK'));
    } catch {
      broken = true; // the connection is gone: do not return it to the pool
    }
    throw asDatabaseUnavailable(error, committing ? 'COMMIT' : undefined);
  } finally {
    client.release(broken);
  }
}

/**
 * A named (server-side prepared) statement: Postgres parses and plans it once per
 * connection instead of on every call. The name is derived from the text, so two texts
 * never share one.
 */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = statementName(text);
    statementNames.set(text, name);
  }
  return { name, text, values };
}
const statementNames = new Map<string, string>();

/**
 * Pure: a statement's name, readable in traces (they show it as the span name) and unique
 * per text: what it does to which table, then a digest of the text ("insert_metrox_outbox_1f0c9a2b").
 */
export function statementName(text: string): string {
  const write = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_][a-z0-9_]*)/i.exec(text);
  const read = /\bFROM\s+([a-z_][a-z0-9_]*)/i.exec(text);
  const what = write ? `${(write[1] ?? '').split(/\s+/)[0] ?? ''}_${write[2] ?? ''}` : `select_${read?.[1] ?? 'values'}`;
  return `${what.toLowerCase()}_${createHash('sha1').update(text).digest('hex').slice(0, 8)}`;
}

export const escapeLiteral = pg.escapeLiteral;

export async function isDatabaseReachable(pool: Pool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const check = pool.query('SELECT 1').then(() => true);
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => { resolve(false); }, timeoutMs)));
    return await Promise.race([check, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
