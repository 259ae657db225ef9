// `npm run local`: MetroX on one machine without Kubernetes. Starts the local
// infrastructure and a local Jaeger, Payment's cipher helper (as the sidecar would run in the Pod), the four
// services as processes on their default ports (each with its own database), prints the
// URLs, and on Ctrl-C stops the services, the helper and whatever infrastructure this run
// started.
import { ensureDevelopmentKeys } from '@metrox/cipher';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  cipherAddress,
  cipherEntryArguments,
  cipherEnvironment,
  defaultCipherPorts,
  defaultPorts,
  ensureDatabase,
  entryArguments,
  repoRoot,
  serviceEnvironment,
  serviceNames,
  waitUntilReady,
  type CipherSettings,
  type FleetSettings,
  type ServiceName,
} from './fleet.ts';
import { formatLogLine } from './log-format.ts';
import { fleetSloServices, installSloRules } from './slo-rules.ts';

type ProcessName = ServiceName | 'cipher';
const colours: Record<ProcessName, string> = { transaction: '36', payment: '35', operations: '33', notification: '32', cipher: '34' };
const tag = (name: string, colour = '90'): string => (process.stdout.isTTY ? `\x1b[${colour}m${name.padEnd(12)}\x1b[0m` : name.padEnd(12));
const say = (message: string): void => {
  console.log(`${tag('metrox')} ${message}`);
};

function infraEndpoints(): { DATABASE_URL: string; AMQP_URL: string; NATS_URL?: string; RABBITMQ_MANAGEMENT_URL?: string; PROMETHEUS_URL?: string; PROMETHEUS_TARGETS_DIR?: string; PROMETHEUS_RULES_DIR?: string; ALERTMANAGER_URL?: string } {
  const file = join(process.env.METROX_STATE ?? join(repoRoot, '.metrox'), 'infra', 'endpoints.json');
  const fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const pick = (key: string): string | undefined => process.env[key] ?? fromFile[key];
  const DATABASE_URL = pick('DATABASE_URL');
  const AMQP_URL = pick('AMQP_URL');
  if (!DATABASE_URL || !AMQP_URL) throw new Error(`DATABASE_URL and AMQP_URL are needed (environment or ${file})`);
  return {
    DATABASE_URL,
    AMQP_URL,
    NATS_URL: pick('NATS_URL'),
    RABBITMQ_MANAGEMENT_URL: pick('RABBITMQ_MANAGEMENT_URL'),
    PROMETHEUS_URL: pick('PROMETHEUS_URL'),
    PROMETHEUS_TARGETS_DIR: pick('PROMETHEUS_TARGETS_DIR'),
    PROMETHEUS_RULES_DIR: pick('PROMETHEUS_RULES_DIR'),
    ALERTMANAGER_URL: pick('ALERTMANAGER_URL'),
  };
}

/** Starts the local Jaeger unless telemetry already goes elsewhere; returns what it started and the trace UI. */
function startTraceBackend(): { started: string[]; jaegerUrl?: string } {
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || process.env.METROX_LOCAL_TRACES === '0') return { started: [] };
  say('starting Jaeger (the first run builds it from its Go module: several minutes)…');
  const started = execFileSync('bash', [join(repoRoot, 'scripts', 'observability', 'up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const file = join(process.env.METROX_STATE ?? join(repoRoot, '.metrox'), 'observability', 'endpoints.json');
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string | undefined>;
  // The services' telemetry is configured only by the standard variables: this one turns export on.
  if (endpoints.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoints.OTEL_EXPORTER_OTLP_ENDPOINT;
  return { started, ...(endpoints.JAEGER_URL === undefined ? {} : { jaegerUrl: endpoints.JAEGER_URL }) };
}

say('starting local infrastructure (PostgreSQL, RabbitMQ, NATS, Prometheus)…');
const startedInfra = execFileSync('bash', [join(repoRoot, 'scripts', 'infra', 'up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .trim()
  .split(/\s+/)
  .filter(Boolean);
const infra = infraEndpoints();
const traces = startTraceBackend();
const stateDir = process.env.METROX_STATE ?? join(repoRoot, '.metrox');

// Keys kept across runs, so what was encrypted yesterday still decrypts today.
const cipher: CipherSettings = { ...defaultCipherPorts, keysDir: join(stateDir, 'cipher-keys') };
await ensureDevelopmentKeys(cipher.keysDir);

const settings: FleetSettings = {
  cipherAddress: cipherAddress(cipher),
  adminDatabaseUrl: infra.DATABASE_URL,
  amqpUrl: infra.AMQP_URL,
  ...(infra.NATS_URL === undefined ? {} : { natsUrl: infra.NATS_URL }),
  databaseName: (name) => `metrox_${name}`,
  ports: defaultPorts,
};
for (const name of serviceNames) await ensureDatabase(settings.adminDatabaseUrl, settings.databaseName(name));

// Prometheus scrapes the four services and the helper through a file_sd target file,
// labelled the way the dashboards select (namespace, service).
const scrapeTargets = infra.PROMETHEUS_TARGETS_DIR ? join(infra.PROMETHEUS_TARGETS_DIR, 'metrox-local.json') : undefined;
if (scrapeTargets !== undefined) {
  const target = (port: number, service: string) => ({ targets: [`127.0.0.1:${port}`], labels: { namespace: 'local', service } });
  writeFileSync(
    scrapeTargets,
    JSON.stringify([...serviceNames.map((name) => target(settings.ports[name].http, name)), target(cipher.opsPort, 'payment-cipher')]),
  );
}

// The SLO rules and alerts a cluster would give the four services, in the local Prometheus.
const removeSloRules =
  infra.PROMETHEUS_URL && infra.PROMETHEUS_RULES_DIR
    ? await installSloRules({ url: infra.PROMETHEUS_URL, rulesDir: infra.PROMETHEUS_RULES_DIR }, 'local', fleetSloServices())
    : undefined;

const children = new Map<ProcessName, ChildProcess>();
let stopping = false;

function startProcess(name: ProcessName, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      console.log(`${tag(name, colours[name])} ${formatLogLine(line)}`);
    });
  }
  child.once('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      say(`${name} exited (${signal ?? `code ${code ?? '?'}`}); stopping MetroX`);
      void shutdown(1);
    }
  });
  children.set(name, child);
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function shutdown(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping services…');
  // The helper last, as the kubelet stops a native sidecar after the app.
  const helper = children.get('cipher');
  await Promise.all([...children.entries()].filter(([name]) => name !== 'cipher').map(([, child]) => stopChild(child)));
  if (helper) await stopChild(helper);
  if (scrapeTargets !== undefined) rmSync(scrapeTargets, { force: true });
  await removeSloRules?.().catch(() => undefined);
  if (traces.started.length > 0 && process.env.METROX_KEEP_INFRA !== '1') {
    execFileSync('bash', [join(repoRoot, 'scripts', 'observability', 'down.sh')], { stdio: 'inherit' });
  }
  if (startedInfra.length > 0 && process.env.METROX_KEEP_INFRA !== '1') {
    say(`stopping the infrastructure this run started: ${startedInfra.join(', ')}`);
    execFileSync('bash', [join(repoRoot, 'scripts', 'infra', 'down.sh'), ...startedInfra], { stdio: 'inherit' });
  }
  say('stopped');
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

// The helper first and ready before Payment, as the kubelet starts a native sidecar.
startProcess('cipher', cipherEntryArguments(), cipherEnvironment(cipher));
try {
  await waitUntilReady(cipher.opsPort, 30_000, () => `the cipher helper did not become ready on :${cipher.opsPort}`);
  for (const name of serviceNames) startProcess(name, entryArguments(name), serviceEnvironment(name, settings));
  await Promise.all(
    serviceNames.map((name) => waitUntilReady(settings.ports[name].http, 60_000, () => `${name} did not become ready on :${settings.ports[name].http}`)),
  );
} catch (error) {
  say((error as Error).message);
  await shutdown(1);
}

const url = (name: ServiceName, path = ''): string => `http://127.0.0.1:${settings.ports[name].http}${path}`;
say(
  [
    'MetroX is running. Ctrl-C stops it.',
    '',
    ...serviceNames.map((name) => `  ${name.padEnd(13)} ${url(name)}  (gRPC 127.0.0.1:${settings.ports[name].grpc}, API ${url(name, '/openapi.json')})`),
    `  cipher        ${cipherAddress(cipher)}  (Payment's encryption helper, loopback only; metrics http://127.0.0.1:${cipher.opsPort}/metrics, keys ${cipher.keysDir})`,
    ...(infra.RABBITMQ_MANAGEMENT_URL ? [`  RabbitMQ UI   ${infra.RABBITMQ_MANAGEMENT_URL}`] : []),
    ...(traces.jaegerUrl ? [`  Jaeger        ${traces.jaegerUrl}  (traces; query API /api/traces, /api/services)`] : []),
    ...(infra.PROMETHEUS_URL ? [`  Prometheus    ${infra.PROMETHEUS_URL}  (scrapes the services as namespace="local"; SLO alerts at /alerts)`] : []),
    ...(infra.ALERTMANAGER_URL ? [`  Alertmanager  ${infra.ALERTMANAGER_URL}`] : []),
    '',
    '  Buy a ticket:',
    `    curl -s -X POST ${url('transaction', '/v1/transactions')} \\`,
    `      -H 'content-type: application/json' -H "Idempotency-Key: $(uuidgen || date +%s%N)" \\`,
    `      -d '{"riderId":"asha","fromStation":"aluva","toStation":"mg-road","paymentMethod":"upi"}'`,
    `  then: curl -s ${url('transaction', '/v1/transactions/<id>')}   and   curl -s ${url('operations', '/v1/operations/summary')}`,
    `  stations: curl -s ${url('transaction', '/v1/stations')}`,
  ].join('\n'),
);
