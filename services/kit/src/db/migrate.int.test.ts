import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/infra.ts';
import { migrate } from './migrate.ts';
import { createPool, withTransaction, type Pool } from './pool.ts';

describe('migrations on a real database', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool(database.url);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('replicas starting together apply each migration exactly once', async () => {
    const migrations = [
      { id: '001_riders', sql: 'CREATE TABLE riders (id text PRIMARY KEY)' },
      { id: '002_rider_names', sql: 'ALTER TABLE riders ADD COLUMN name text' },
    ];
    const applied = await Promise.all([migrate(pool, migrations), migrate(pool, migrations), migrate(pool, migrations)]);
    expect(applied.flat().sort()).toEqual(['001_riders', '002_rider_names']);
    expect(await migrate(pool, migrations)).toEqual([]);
  });

  it('a failing migration leaves nothing half-applied and says which one failed', async () => {
    const broken = [{ id: '003_broken', sql: 'CREATE TABLE half (id int); SELECT no_such_function()' }];
    await expect(migrate(pool, broken)).rejects.toThrow(/migration 003_broken failed/);
    const { rows } = await pool.query("SELECT to_regclass('half') AS t");
    expect(rows[0]).toEqual({ t: null });
  });

  it('withTransaction rolls back when the work throws', async () => {
    await expect(
      withTransaction(pool, async (tx) => {
        await tx.query("INSERT INTO riders (id) VALUES ('r-1')");
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await pool.query("SELECT 1 FROM riders WHERE id = 'r-1'")).rowCount).toBe(0);
  });
});
