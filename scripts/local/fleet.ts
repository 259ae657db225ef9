// The four MetroX services as local processes: where their entry points are, their
// default ports, the environment each needs and its own database. Shared by
// `npm run local` and the cross-service tests, so both run the services the same way.
// Ports and peers come from each service's declaration; without an operator, each
// service's kit declares its own broker topology from the same description the
// operator uses (@metrox/contracts/broker-topology).
import { peerAddressVariable } from '@metrox/contracts/declaration';
import pg from 'pg';
import { join } from 'node:path';
import { declarations, serviceNames, type ServiceName } from '../../charts/metrox.config.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');

export { serviceNames, type ServiceName };

export const defaultPorts = Object.fromEntries(serviceNames.map((name) => [name, { ...declarations[name].ports }])) as Record<ServiceName, { http: number; grpc: number }>;

/** <PEER>_GRPC_ADDRESS for every peer the service declares, on loopback at the peer's local gRPC port. */
export function peerEnvironment(name: ServiceName, ports: Record<ServiceName, { grpc: number }>): NodeJS.ProcessEnv {
  return Object.fromEntries(
    // Widened: which services declare peers changes, and with none the element type is never.
    (declarations[name].peers as readonly string[]).map((peer) => {
      if (!(serviceNames as readonly string[]).includes(peer)) throw new Error(`${name} calls ${peer}, which the local fleet does not run`);
      return [peerAddressVariable(peer), `127.0.0.1:${String(ports[peer as ServiceName].grpc)}`];
    }),
  );
}

/** The cipher helper beside Payment: its loopback port, its ops port (/readyz, /metrics) and key directory. */
export interface CipherSettings {
  port: number;
  opsPort: number;
  keysDir: string;
}

export const defaultCipherPorts = { port: 7400, opsPort: 9465 } as const;

/** `node services/cipher/src/main.ts`: arguments after the node binary. */
export function cipherEntryArguments(): string[] {
  return [join(repoRoot, 'services', 'cipher', 'src', 'main.ts')];
}

/** The address Payment reaches the helper on (CIPHER_ADDR). */
export function cipherAddress(cipher: Pick<CipherSettings, 'port'>): string {
  return `127.0.0.1:${cipher.port}`;
}

/** The environment of the cipher helper process: loopback only, ops port included. */
export function cipherEnvironment(cipher: CipherSettings, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const exportsTelemetry = base.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || base.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
  return {
    ...base,
    OTEL_SDK_DISABLED: base.OTEL_SDK_DISABLED ?? (exportsTelemetry ? 'false' : 'true'),
    OTEL_SERVICE_NAME: 'payment-cipher',
    CIPHER_HOST: '127.0.0.1',
    CIPHER_PORT: String(cipher.port),
    CIPHER_OPS_HOST: '127.0.0.1',
    CIPHER_OPS_PORT: String(cipher.opsPort),
    CIPHER_KEYS_DIR: cipher.keysDir,
  };
}

/** `node --import @metrox/kit/preload services/<name>/src/main.ts`: arguments after the node binary. */
export function entryArguments(name: ServiceName): string[] {
  return ['--import', '@metrox/kit/preload', join(repoRoot, 'services', name, 'src', 'main.ts')];
}

/** The same server as `adminUrl`, another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates the database unless it exists (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name ${database}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${database}`).catch((error: unknown) => {
        // Two starters racing: the other one created it.
        if ((error as { code?: string }).code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name ${database}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export interface FleetSettings {
  /** Superuser URL of the Postgres server; each service gets its own database on it. */
  adminDatabaseUrl: string;
  amqpUrl: string;
  /** For BROKER=nats. */
  natsUrl?: string;
  /** Database name per service, e.g. `metrox_payment`. */
  databaseName: (service: ServiceName) => string;
  ports: Record<ServiceName, { http: number; grpc: number }>;
  /** Where Payment reaches its cipher helper (CIPHER_ADDR), e.g. 127.0.0.1:7400; without it Payment refuses to start. */
  cipherAddress?: string;
  /** Extra environment for every service, then per service. */
  env?: NodeJS.ProcessEnv;
  serviceEnv?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
}

/** The environment of one service process. Telemetry export is off unless an OTLP endpoint is configured. */
export function serviceEnvironment(name: ServiceName, settings: FleetSettings, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const exportsTelemetry = base.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || base.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
  return {
    ...base,
    OTEL_SDK_DISABLED: base.OTEL_SDK_DISABLED ?? (exportsTelemetry ? 'false' : 'true'),
    OTEL_SERVICE_NAME: name,
    DATABASE_URL: databaseUrl(settings.adminDatabaseUrl, settings.databaseName(name)),
    AMQP_URL: settings.amqpUrl,
    ...(settings.natsUrl === undefined ? {} : { NATS_URL: settings.natsUrl }),
    HOST: base.HOST ?? '127.0.0.1',
    PORT: String(settings.ports[name].http),
    GRPC_PORT: String(settings.ports[name].grpc),
    ...peerEnvironment(name, settings.ports),
    ...(name === 'payment' && settings.cipherAddress !== undefined ? { CIPHER_ADDR: settings.cipherAddress } : {}),
    ...settings.env,
    ...settings.serviceEnv?.[name],
  };
}

/** Resolves once GET /readyz answers 200, or throws after `timeoutMs` with `describe()`. */
export async function waitUntilReady(httpPort: number, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${httpPort}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
