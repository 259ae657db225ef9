// The four services (and Payment's cipher helper) as processes for a benchmark: the test
// fleet with the services' own default settings instead of the tests' quick tuning, and
// telemetry decided here rather than inherited from whoever runs the bench.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { observabilityEndpoints } from '../test/observability/endpoints.ts';
import { repoRoot } from '../test/support/endpoints.ts';
import { startFleet, type Fleet } from '../test/services/support/fleet.ts';

export type BenchFleet = Pick<Fleet, 'runId' | 'url' | 'logTail' | 'close'>;

export interface BenchFleetOptions {
  /** OTLP/HTTP endpoint to export to; undefined runs with OTEL_SDK_DISABLED=true. */
  otlpEndpoint: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export function startBenchFleet(options: BenchFleetOptions): Promise<BenchFleet> {
  const telemetry: NodeJS.ProcessEnv =
    options.otlpEndpoint === undefined
      ? { OTEL_SDK_DISABLED: 'true' }
      : { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${options.otlpEndpoint}/v1/traces` };
  return startFleet({ purpose: 'bench', tuning: {}, env: { ...telemetry, ...options.env } });
}


export interface BenchInfrastructure {
  /** Where the fleet exports traces (the local Jaeger's OTLP/HTTP endpoint). */
  otlpEndpoint: string;
  /** Stops what this call started; what was already running stays. */
  stop(): void;
}

/** Postgres, the brokers and the trace backend, started unless they already run. */
export function startBenchInfrastructure(): BenchInfrastructure {
  const up = (script: string): string[] =>
    execFileSync('bash', [join(repoRoot, 'scripts', script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split(/\s+/).filter(Boolean);
  const startedInfra = up('infra/up.sh');
  const startedObservability = up('observability/up.sh');
  return {
    otlpEndpoint: observabilityEndpoints().OTEL_EXPORTER_OTLP_ENDPOINT,
    stop() {
      if (startedObservability.length > 0) execFileSync('bash', [join(repoRoot, 'scripts', 'observability', 'down.sh')], { stdio: 'inherit' });
      if (startedInfra.length > 0) execFileSync('bash', [join(repoRoot, 'scripts', 'infra', 'down.sh'), ...startedInfra], { stdio: 'inherit' });
    },
  };
}
