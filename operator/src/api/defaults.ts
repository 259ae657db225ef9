// Defaults of the API, from the schema's `default` keywords (the API server applies
// the same ones), plus the defaults that depend on the object (database name).
import { specSchema, type MetroXServiceSpec, type MetroXServiceSpecInput } from './metroxservice.ts';
import { applyDefaults } from './schema-builder.ts';

/** The spec as the API server stores it after defaulting. */
export function withDefaults(spec: MetroXServiceSpecInput): MetroXServiceSpec {
  return applyDefaults(specSchema, spec) as MetroXServiceSpec;
}

/** Postgres identifier for a service: spec.database.name, or metadata.name with dashes as underscores. */
export function databaseName(metadataName: string, spec: Pick<MetroXServiceSpec, 'database'>): string {
  return spec.database?.name ?? metadataName.replaceAll('-', '_');
}

export const defaultResources = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { memory: '256Mi' },
} as const;

export const finalizer = 'metrox.io/cleanup';
export const fieldManager = 'metrox-operator';
