// The four services (and Payment's cipher helper) as processes for a benchmark: the test
// fleet with the services' own default settings instead of the tests' quick tuning, and
// telemetry decided here rather than inherited from whoever runs the bench.
import { startFleet, type Fleet } from '../test/services/support/fleet.ts';

export type BenchFleet = Pick<Fleet, 'url' | 'logTail' | 'close'>;

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

