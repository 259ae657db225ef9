// Test support: a database of the test file's own on the shared Postgres, with the kit's and
// the notification service's migrations applied as the service applies them.
import { createPool, kitMigrations, migrate, migrationsFromDirectory, type Pool } from '@metrox/kit';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { endpoints } from '../../../../test/support/endpoints.ts';

export interface NotificationDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

async function asAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: endpoints().DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export async function createNotificationDatabase(): Promise<NotificationDatabase> {
  const name = `notification_test_${randomBytes(4).toString('hex')}`;
  await asAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(endpoints().DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 4);
  await migrate(pool, [...kitMigrations, ...migrationsFromDirectory(fileURLToPath(new URL('../migrations', import.meta.url)))]);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
