// Where the local trace backend listens. The environment wins (a user's own Jaeger
// or collector), then the file `scripts/observability/up.sh` writes. Like the infra
// endpoints, a missing backend is a loud error, never a skipped test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../support/endpoints.ts';

export interface ObservabilityEndpoints {
  /** Jaeger's query API (and UI): /api/traces/{id}, /api/v3/traces/{id}. */
  JAEGER_URL: string;
  /** OTLP/HTTP base URL, as the OpenTelemetry SDKs read it (signals append /v1/traces…). */
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
  /** OTLP/gRPC endpoint. */
  OTEL_EXPORTER_OTLP_GRPC_ENDPOINT: string;
}

const keys = ['JAEGER_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_GRPC_ENDPOINT'] as const;

/** `env` wins over the file; a private instance passes `{}` to read its own file alone. */
export function observabilityEndpoints(state: string = stateDir, env: NodeJS.ProcessEnv = process.env): ObservabilityEndpoints {
  const file = join(state, 'observability', 'endpoints.json');
  let fromFile: Partial<ObservabilityEndpoints> = {};
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8')) as Partial<ObservabilityEndpoints>;
  } catch {
    // Only an error if a key below is missing from the environment too.
  }
  const result = {} as ObservabilityEndpoints;
  for (const key of keys) {
    const value = env[key] ?? fromFile[key];
    if (value === undefined) {
      throw new Error(`${key} is not set and ${file} is missing: run \`bash scripts/observability/up.sh\` first`);
    }
    result[key] = value;
  }
  return result;
}
