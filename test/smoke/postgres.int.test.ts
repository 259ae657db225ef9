import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../support/endpoints.ts';

describe('PostgreSQL is real', () => {
  const pool = new pg.Pool({ connectionString: endpoints().DATABASE_URL, max: 2 });
  const table = `smoke_${process.pid}_${Date.now()}`;

  beforeAll(async () => {
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, note text NOT NULL)`);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  it('commits a transaction and rolls another back', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} VALUES (1, 'kept')`);
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} VALUES (2, 'discarded')`);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const { rows } = await pool.query<{ id: number; note: string }>(`SELECT id, note FROM ${table} ORDER BY id`);
    expect(rows).toEqual([{ id: 1, note: 'kept' }]);
  });

  it('enforces constraints server-side', async () => {
    await expect(pool.query(`INSERT INTO ${table} VALUES (1, 'duplicate')`)).rejects.toMatchObject({ code: '23505' });
    const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
    expect(Number.parseInt(rows[0]?.server_version ?? '0', 10)).toBeGreaterThanOrEqual(13);
  });
});
