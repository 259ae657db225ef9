// A Jaeger of a test's own (own ports, own state folder), started through the same
// scripts `npm run local` uses, so a suite never touches a developer's instance nor
// depends on one being up.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/endpoints.ts';
import { freePort } from '../support/processes.ts';
import { observabilityEndpoints, type ObservabilityEndpoints } from './endpoints.ts';

const run = promisify(execFile);
const script = (name: string): string => join(repoRoot, 'scripts', 'observability', name);
const portNames = ['OTLP_GRPC', 'OTLP_HTTP', 'QUERY', 'QUERY_GRPC', 'HEALTH', 'METRICS'] as const;

export interface PrivateJaeger {
  readonly endpoints: ObservabilityEndpoints;
  /** The environment its scripts run with: its ports as METROX_JAEGER_*_PORT. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs up.sh again; what it started (nothing when all was up already). */
  up(): Promise<string[]>;
  stop(): Promise<void>;
}

/** A cold cache builds Jaeger from its Go module first: give the hook minutes. */
export const privateJaegerStartTimeoutMs = 30 * 60_000;

export async function startPrivateJaeger(): Promise<PrivateJaeger> {
  const state = mkdtempSync(join(tmpdir(), 'metrox-observability-'));
  const ports = Object.fromEntries(await Promise.all(portNames.map(async (name) => [`METROX_JAEGER_${name}_PORT`, String(await freePort())]))) as Record<string, string>;
  // It must not inherit a user's own backend from the environment, nor register itself with a shared Prometheus.
  const { JAEGER_URL: _jaeger, OTEL_EXPORTER_OTLP_ENDPOINT: _otlp, OTEL_EXPORTER_OTLP_GRPC_ENDPOINT: _grpc, PROMETHEUS_TARGETS_DIR: _targets, ...rest } = process.env;
  const env: NodeJS.ProcessEnv = { ...rest, METROX_STATE: state, ...ports };
  const up = async () => {
    const { stdout } = await run('bash', [script('up.sh')], { env, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim().split(/\s+/).filter(Boolean);
  };
  const stop = async () => {
    await run('bash', [script('down.sh')], { env });
    rmSync(state, { recursive: true, force: true });
  };
  try {
    const started = await up();
    if (!started.includes('jaeger')) throw new Error(`scripts/observability/up.sh started ${started.join(', ') || 'nothing'} in a fresh state folder, not jaeger`);
    return { endpoints: observabilityEndpoints(state, {}), env, up, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
