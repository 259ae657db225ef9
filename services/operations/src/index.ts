// @metrox/operations: the service definition (for tests and tools) and the summary shape.
export { operationsService } from './service.ts';
export { buildSummary, type OperationsSummary } from './projections/summary.ts';
