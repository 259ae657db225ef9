// Where the local infrastructure listens. The environment wins (a user's own
// servers), then the file `npm run infra:up` writes. A test that needs a component
// calls this and fails loudly when it is not there: nothing is skipped.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export interface Endpoints {
  DATABASE_URL: string;
  AMQP_URL: string;
  RABBITMQ_MANAGEMENT_URL: string;
  NATS_URL: string;
  PROMETHEUS_URL: string;
  /** Folder of Prometheus file_sd target files; empty when Prometheus is the user's own. */
  PROMETHEUS_TARGETS_DIR: string;
  /** Folder of Prometheus rule files (loaded on POST /-/reload); empty when Prometheus is the user's own. */
  PROMETHEUS_RULES_DIR: string;
  ALERTMANAGER_URL: string;
}

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const stateDir = process.env.METROX_STATE ?? join(repoRoot, '.metrox');

const keys = [
  'DATABASE_URL',
  'AMQP_URL',
  'RABBITMQ_MANAGEMENT_URL',
  'NATS_URL',
  'PROMETHEUS_URL',
  'PROMETHEUS_TARGETS_DIR',
  'PROMETHEUS_RULES_DIR',
  'ALERTMANAGER_URL',
] as const;

export function endpoints(): Endpoints {
  const file = join(stateDir, 'infra', 'endpoints.json');
  let fromFile: Partial<Endpoints> = {};
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8')) as Partial<Endpoints>;
  } catch {
    // Only an error if a key below is missing from the environment too.
  }
  const result = {} as Endpoints;
  for (const key of keys) {
    const value = process.env[key] ?? fromFile[key];
    if (value === undefined) {
      throw new Error(`${key} is not set and ${file} is missing: run \`npm run infra:up\` first`);
    }
    result[key] = value;
  }
  return result;
}
