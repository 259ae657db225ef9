// The MetroXService API: types, schema, defaults and the CRD.
export * from './metroxservice.ts';
export { metroxServiceCrd, crdName, openAPIV3Schema, statusSchema } from './crd.ts';
export { withDefaults, databaseName, defaultResources, finalizer, fieldManager } from './defaults.ts';
export type { JsonSchema, CelRule, Schema, Infer, InferInput } from './schema-builder.ts';
