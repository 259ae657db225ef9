// The four services (and Payment's cipher helper) as processes for a benchmark: their own databases, exchange and
// queue names and free ports, so a developer's `npm run local` or a parallel test run
// never shares their traffic. Processes are tethered and stop with the bench.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { dropDatabase, ensureDatabase, entryArguments, serviceEnvironment, serviceNames, waitUntilReady, type FleetSettings, type ServiceName } from '../scripts/local/fleet.ts';
import { endpoints, stateDir } from '../test/support/endpoints.ts';
import { startCipherProcess } from '../test/services/support/cipher.ts';
import { freePort, spawnTethered, type TetheredProcess } from '../test/support/processes.ts';

export interface BenchFleet {
  url(service: ServiceName): string;
  logTail(service: ServiceName): string;
  close(): Promise<void>;
}

export interface BenchFleetOptions {
  /** OTLP/HTTP endpoint to export to; undefined runs with OTEL_SDK_DISABLED=true. */
  otlpEndpoint: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export async function startBenchFleet(options: BenchFleetOptions): Promise<BenchFleet> {
  const infra = endpoints();
  const runId = randomBytes(4).toString('hex');
  const exchange = `metrox.bench.${runId}`;
  const queue = (name: ServiceName) => `${name}-bench-${runId}`;
  const ports = Object.fromEntries(
    await Promise.all(serviceNames.map(async (name) => [name, { http: await freePort(), grpc: await freePort() }] as const)),
  ) as FleetSettings['ports'];
  const settings: FleetSettings = {
    adminDatabaseUrl: infra.DATABASE_URL,
    amqpUrl: infra.AMQP_URL,
    databaseName: (name) => `bench_${runId}_${name}`,
    ports,
    env: { AMQP_EXCHANGE: exchange, BROKER: 'rabbitmq', ...options.env },
    serviceEnv: Object.fromEntries(serviceNames.map((name) => [name, { SERVICE_NAME: queue(name) }])),
  };
  // Telemetry is decided here, not inherited from whoever runs the bench.
  const { OTEL_EXPORTER_OTLP_ENDPOINT: _endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: _traces, OTEL_SDK_DISABLED: _disabled, ...base } = process.env;
  const telemetry: NodeJS.ProcessEnv =
    options.otlpEndpoint === undefined ? { OTEL_SDK_DISABLED: 'true' } : { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint };
  const logDir = join(stateDir, 'bench-logs');
  mkdirSync(logDir, { recursive: true });
  const cipher = await startCipherProcess({ keysDir: join(stateDir, 'cipher-keys'), logFile: join(logDir, `${runId}-cipher.log`) });
  settings.cipherAddress = cipher.address;
  await Promise.all(serviceNames.map((name) => ensureDatabase(settings.adminDatabaseUrl, settings.databaseName(name))));

  const processes = new Map<ServiceName, TetheredProcess>();
  const fleet: BenchFleet = {
    url: (name) => `http://127.0.0.1:${ports[name].http}`,
    logTail: (name) => processes.get(name)?.logTail(30) ?? '(not running)',
    async close() {
      await Promise.all([...processes.values()].map((child) => child.stop()));
      await cipher.stop();
      await Promise.all(serviceNames.map((name) => dropDatabase(settings.adminDatabaseUrl, settings.databaseName(name))));
      await deleteTopology(infra.RABBITMQ_MANAGEMENT_URL, serviceNames.map(queue), exchange);
    },
  };
  try {
    await Promise.all(
      serviceNames.map(async (name) => {
        const env = serviceEnvironment(name, settings, { ...base, ...telemetry });
        const child = spawnTethered(name, process.execPath, entryArguments(name), join(logDir, `${runId}-${name}.log`), env);
        processes.set(name, child);
        await waitUntilReady(ports[name].http, 120_000, () => `${name} did not become ready:\n${child.logTail(30)}`);
      }),
    );
  } catch (error) {
    await fleet.close().catch(() => undefined);
    throw error;
  }
  return fleet;
}

/** Removes the fleet's queues (with their retry and dead-letter queues) and exchange. */
async function deleteTopology(managementUrl: string, consumers: string[], exchange: string): Promise<void> {
  const base = new URL(managementUrl);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
  const api = (path: string) => `${base.protocol}//${base.host}/api${path}`;
  const response = await fetch(api('/queues/%2F?columns=name'), { headers: { authorization } });
  if (!response.ok) return;
  const queues = (await response.json()) as { name: string }[];
  const ours = queues.filter((q) => consumers.some((c) => q.name === c || q.name.startsWith(`${c}.`)));
  await Promise.all(ours.map((q) => fetch(api(`/queues/%2F/${encodeURIComponent(q.name)}`), { method: 'DELETE', headers: { authorization } })));
  await fetch(api(`/exchanges/%2F/${encodeURIComponent(exchange)}`), { method: 'DELETE', headers: { authorization } });
}
