// @metrox/operator: the MetroXService API, install objects, rendering and the controller.
export * from './api/index.ts';
export * from './install/index.ts';
export { renderChildren, renderDashboard } from './render/index.ts';
export { startManager } from './controller/manager.ts';
