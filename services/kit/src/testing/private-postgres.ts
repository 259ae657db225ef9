// Test support: a throwaway PostgreSQL cluster of a test's own, for faults the shared server
// must never see (a crash, a stop, a restart): initdb into a temporary folder, the server
// on a free loopback port. The server is tethered to the test process (it stops when that
// process dies, however it dies); remove() stops it and deletes the folder.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnTethered, type TetheredProcess } from '@metrox/test/processes';
import pg from 'pg';

export interface PrivatePostgres {
  /** Superuser URL of its `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** Whether the server process is running (it may still be starting). */
  readonly running: boolean;
  /** The URL of another database on this server. */
  databaseUrl(database: string): string;
  /** Creates a database and returns its URL. */
  createDatabase(database: string): Promise<string>;
  /**
   * Stops the server and resolves once it is gone. `immediate` is a crash as far as clients
   * and data are concerned (`pg_ctl stop -m immediate`: sessions cut, no checkpoint, crash
   * recovery at the next start); `fast` is a clean shutdown.
   */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** Starts it again, same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (fast) and deletes its folder. */
  remove(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Extra server settings (`-c name=value`). */
  settings?: Record<string, string>;
  /** How long start() may take. */
  startTimeoutMs?: number;
}

const password = 'metrox-private';

/** The newest PostgreSQL binaries Debian installed, as scripts/infra/env.sh picks them. */
export function postgresBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).filter((entry) => /^\d+$/.test(entry)).sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  if (newest === undefined) throw new Error(`no PostgreSQL under ${root}: install the Debian package 'postgresql'`);
  return join(root, newest, 'bin');
}

/** Postgres refuses to run as root: as root, commands run as the `postgres` user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', command, ...args]];
}

function handToServerUser(path: string): void {
  if (process.getuid?.() !== 0) return;
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
  chownSync(path, uid ?? 0, gid ?? 0);
}

async function acceptsConnections(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  const root = mkdtempSync(join(tmpdir(), 'metrox-pg-'));
  const data = join(root, 'data');
  const logFile = join(root, 'server.log');
  let server: TetheredProcess | undefined;
  try {
    handToServerUser(root);
    const passwordFile = join(root, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    handToServerUser(passwordFile);
    const [initdb, initdbArgs] = asServerUser(join(bin, 'initdb'), [
      '-D', data, '-U', 'postgres', `--pwfile=${passwordFile}`, '--auth-local=trust', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync',
    ]);
    execFileSync(initdb, initdbArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    rmSync(passwordFile);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  const port = await freePort();
  const url = `postgres://postgres:${password}@127.0.0.1:${String(port)}/postgres`;
  // A throwaway cluster: fsync off is safe against what the tests do (processes crash, the OS
  // does not), and synchronous_commit stays on, so a crash loses no acknowledged commit.
  const settings: Record<string, string> = { fsync: 'off', full_page_writes: 'off', max_connections: '60', shared_buffers: '32MB', ...options.settings };
  const serverArgs = ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', '', ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const databaseUrl = (database: string): string => {
    const address = new URL(url);
    address.pathname = `/${database}`;
    return address.toString();
  };

  const instance: PrivatePostgres = {
    url,
    port,
    get running() {
      return server !== undefined;
    },
    databaseUrl,
    async createDatabase(database) {
      if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name ${database}`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${database}`);
      } finally {
        await client.end();
      }
      return databaseUrl(database);
    },
    async start() {
      if (server) return;
      const [command, args] = asServerUser(join(bin, 'postgres'), serverArgs);
      const started = spawnTethered('postgres', command, args, logFile);
      server = started;
      const state = { exited: false };
      void started.exited.then(() => {
        state.exited = true;
        if (server === started) server = undefined;
      });
      const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
      while (!(await acceptsConnections(url))) {
        if (state.exited || Date.now() > deadline) {
          await started.stop();
          throw new Error(`private PostgreSQL on port ${String(port)} did not start${state.exited ? ' (it exited)' : ''}:\n${started.logTail(20)}`);
        }
        await sleep(100);
      }
    },
    async stop(mode = 'immediate') {
      const running = server;
      if (!running) return;
      // The postmaster's pid heads its lock file; SIGQUIT is an immediate shutdown, SIGINT a fast one.
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
      await running.exited;
      server = undefined;
    },
    async remove() {
      await instance.stop('fast').catch(() => undefined);
      await server?.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await instance.start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return instance;
}
