// A Postgres database and role per service, created idempotently in the platform
// Postgres. PUBLIC loses CONNECT on every service database, so a service's role
// reaches its own database and no other.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface DatabaseGrant {
  database: string;
  role: string;
  password: string;
}

function identifier(name: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`invalid Postgres identifier "${name}"`);
  return `"${name}"`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** A small admin pool; connections are opened lazily, so an unreachable Postgres surfaces per reconcile. */
export function adminPool(adminUrl: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: adminUrl,
    max: 2,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 10_000,
    // A Postgres that stops answering mid-query fails the reconcile instead of holding a worker.
    query_timeout: 15_000,
  });
  pool.on('error', () => {
    // An idle client lost its server; the next query reconnects.
  });
  return pool;
}

const duplicate = new Set(['42710', '42P04', '23505']);

async function ignoreDuplicate(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    // Two reconciles racing on the same name: the other one created it.
    if (!duplicate.has((error as { code?: string }).code ?? '')) throw error;
  }
}

export async function ensureDatabase(pool: pg.Pool, grant: DatabaseGrant): Promise<void> {
  const role = identifier(grant.role);
  const database = identifier(grant.database);
  const roleExists = await pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [grant.role]);
  if (roleExists.rowCount === 0) {
    await ignoreDuplicate(() => pool.query(`CREATE ROLE ${role} LOGIN PASSWORD ${literal(grant.password)}`));
  }
  // The Secret is the source of truth for the password (it may have been recreated).
  await pool.query(`ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${literal(grant.password)}`);
  const databaseExists = await pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [grant.database]);
  if (databaseExists.rowCount === 0) {
    await ignoreDuplicate(() => pool.query(`CREATE DATABASE ${database} OWNER ${role}`));
  }
  await pool.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
  await pool.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
}

export async function dropDatabase(pool: pg.Pool, grant: Omit<DatabaseGrant, 'password'>): Promise<void> {
  await pool.query(`DROP DATABASE IF EXISTS ${identifier(grant.database)} WITH (FORCE)`);
  await pool.query(`DROP ROLE IF EXISTS ${identifier(grant.role)}`);
}

export function databaseUrl(host: string, port: number, grant: DatabaseGrant): string {
  return `postgres://${encodeURIComponent(grant.role)}:${encodeURIComponent(grant.password)}@${host}:${port}/${encodeURIComponent(grant.database)}`;
}
