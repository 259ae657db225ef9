// @metrox/operator: the MetroXService API, install objects, rendering and the reconciler.
export * from './api/index.ts';
export * from './install/index.ts';
export { renderChildren, renderDashboard } from './render/index.ts';
export { startManager } from './reconciler/operator.ts';
