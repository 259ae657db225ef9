// The database edge: a pg pool and a transaction helper. Handlers receive the
// transaction's client so their writes, the outbox row and the inbox mark commit together.
import pg from 'pg';

export type Pool = pg.Pool;
/** A client inside an open transaction (or any queryable client). */
export type Tx = pg.PoolClient;

export function createPool(connectionString: string, max = 10): Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
export async function withTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true; // the connection is gone: do not return it to the pool
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

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
