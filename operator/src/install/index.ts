// What installing the operator needs besides the CRD: RBAC and its configuration.
export * from './rbac.ts';
export * from './configuration.ts';
export { operatorServiceName, telemetryVariables } from '../telemetry/variables.ts';
