// A Postgres database and role per service, created idempotently in the platform
// Postgres. PUBLIC loses CONNECT on every service database, so a service's role
// reaches its own database and no other. Both carry their owner in a COMMENT
// (ownership.ts), so a same-named service in another namespace is refused.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inSpan } from '../telemetry/spans.ts';
import { mayUse, ownerComment, ownerFromComment, OwnedByAnotherService } from './ownership.ts';

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
  // A checked-out client that loses its server emits 'error' too, and pg-pool does not listen
  // then: unheard, it would end the process. The query in progress (or the next) fails instead.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
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

async function recordedOwner(client: pg.PoolClient, catalog: 'pg_authid' | 'pg_database', name: string): Promise<{ exists: boolean; owner: string | undefined }> {
  const sql = catalog === 'pg_authid'
    ? "SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1"
    : "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1";
  const result = await client.query<{ comment: string | null }>(sql, [name]);
  return { exists: result.rowCount !== 0, owner: ownerFromComment(result.rows[0]?.comment) };
}

/** Throws OwnedByAnotherService when the role or database carries another service's mark. */
async function assertOwnership(client: pg.PoolClient, grant: Omit<DatabaseGrant, 'password'>, owner: string): Promise<{ roleExists: boolean; databaseExists: boolean }> {
  const role = await recordedOwner(client, 'pg_authid', grant.role);
  const database = await recordedOwner(client, 'pg_database', grant.database);
  const remedy = `Give one of them another spec.database.name (it is immutable: recreate the MetroXService with it).`;
  for (const [what, found] of [[`Postgres role ${grant.role}`, role], [`Postgres database ${grant.database}`, database]] as const) {
    if (!mayUse(found.owner, owner)) throw new OwnedByAnotherService(what, found.owner ?? '', owner, remedy);
  }
  return { roleExists: role.exists, databaseExists: database.exists };
}

/**
 * Runs `work` on one connection holding a session advisory lock on the database
 * name, so two services racing for one name are served one after the other.
 */
async function whileLocked<T>(pool: pg.Pool, name: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`metrox.io/database/${name}`]);
    try {
      return await work(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`metrox.io/database/${name}`]);
    }
  } finally {
    client.release();
  }
}

/** Creates (or checks) the role and database of `owner` (`<namespace>/<name>`), marking both as its own. */
export function ensureDatabase(pool: pg.Pool, grant: DatabaseGrant, owner: string): Promise<void> {
  return inSpan('wiring.database.ensure', spanAttributes(grant, owner), () => ensureDatabaseNow(pool, grant, owner));
}

function spanAttributes(grant: Omit<DatabaseGrant, 'password'>, owner: string) {
  return { 'db.system.name': 'postgresql', 'db.namespace': grant.database, 'metrox.owner': owner };
}

async function ensureDatabaseNow(pool: pg.Pool, grant: DatabaseGrant, owner: string): Promise<void> {
  const role = identifier(grant.role);
  const database = identifier(grant.database);
  await whileLocked(pool, grant.database, async (client) => {
    // Before anything is altered: a role's password must never be reset for another service.
    const { roleExists, databaseExists } = await assertOwnership(client, grant, owner);
    if (!roleExists) await ignoreDuplicate(() => client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${literal(grant.password)}`));
    await client.query(`COMMENT ON ROLE ${role} IS ${literal(ownerComment(owner))}`);
    // The Secret is the source of truth for the password (it may have been recreated).
    await client.query(`ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${literal(grant.password)}`);
    if (!databaseExists) await ignoreDuplicate(() => client.query(`CREATE DATABASE ${database} OWNER ${role}`));
    await client.query(`COMMENT ON DATABASE ${database} IS ${literal(ownerComment(owner))}`);
    await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
    await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
  });
}

/** Drops the database and role of `owner`; throws OwnedByAnotherService, dropping nothing, when they are another's. */
export function dropDatabase(pool: pg.Pool, grant: Omit<DatabaseGrant, 'password'>, owner: string): Promise<void> {
  return inSpan('wiring.database.drop', spanAttributes(grant, owner), () => dropDatabaseNow(pool, grant, owner));
}

async function dropDatabaseNow(pool: pg.Pool, grant: Omit<DatabaseGrant, 'password'>, owner: string): Promise<void> {
  await whileLocked(pool, grant.database, async (client) => {
    await assertOwnership(client, grant, owner);
    await client.query(`DROP DATABASE IF EXISTS ${identifier(grant.database)} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${identifier(grant.role)}`);
  });
}
