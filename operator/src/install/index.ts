// What installing the operator needs besides the CRD: RBAC and its configuration.
export * from './rbac.ts';
export * from './configuration.ts';
