// A small migration runner: ordered SQL migrations, each applied once in its own
// transaction, under an advisory lock so several replicas starting together apply
// them exactly once. An applied migration whose text changed is an error, not a re-run.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from './pool.ts';

export interface Migration {
  /** Sortable, unique and never renamed, e.g. `001_create_transactions`. */
  id: string;
  sql: string;
}

const lockKey = 'metrox_migrations';

export function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** Reads `*.sql` files from a folder, ordered by file name; the id is the name without `.sql`. */
export function migrationsFromDirectory(directory: string): Migration[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => ({ id: file.slice(0, -4), sql: readFileSync(join(directory, file), 'utf8') }));
}

/** Pure: which migrations still have to run; throws when history and code disagree. */
export function pendingMigrations(migrations: Migration[], applied: Map<string, string>): Migration[] {
  const ids = new Set<string>();
  for (const migration of migrations) {
    if (ids.has(migration.id)) throw new Error(`migration ${migration.id} is declared twice`);
    ids.add(migration.id);
    const appliedChecksum = applied.get(migration.id);
    if (appliedChecksum !== undefined && appliedChecksum !== checksum(migration.sql)) {
      throw new Error(`migration ${migration.id} was changed after it was applied: add a new migration instead`);
    }
  }
  return migrations.filter((migration) => !applied.has(migration.id));
}

export async function migrate(pool: Pool, migrations: Migration[]): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS metrox_migrations (
           id text PRIMARY KEY,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await client.query<{ id: string; checksum: string }>('SELECT id, checksum FROM metrox_migrations');
      const pending = pendingMigrations(migrations, new Map(rows.map((row) => [row.id, row.checksum])));
      for (const migration of pending) {
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO metrox_migrations (id, checksum) VALUES ($1, $2)', [
            migration.id,
            checksum(migration.sql),
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${migration.id} failed: ${(error as Error).message}`, { cause: error });
        }
      }
      return pending.map((migration) => migration.id);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  } finally {
    client.release();
  }
}
