// The `<name>-database` Secret: how a service reaches its own database. Its
// password is generated once (by the caller) and read back from the Secret ever
// after, so the Secret is created, never applied. Pure.
import type { MetroXService } from '../api/metroxservice.ts';
import { childNames, managedBy } from './names.ts';
import type { DesiredObject } from './index.ts';

export interface DatabaseAccess {
  host: string;
  port: number;
  database: string;
  role: string;
  password: string;
}

export function databaseUrl(access: DatabaseAccess): string {
  return `postgres://${encodeURIComponent(access.role)}:${encodeURIComponent(access.password)}@${access.host}:${access.port}/${encodeURIComponent(access.database)}`;
}

/** The key of the password in the Secret (base64 in `data`, as the API server returns it). */
export const passwordKey = 'PGPASSWORD';

/** The password value of a database Secret's `data` (base64, or its digest in a cache), or undefined. */
export function passwordData(secret: Record<string, unknown> | undefined): string | undefined {
  return (secret?.data as Record<string, string> | undefined)?.[passwordKey];
}

/** The password a database Secret read from the API server holds, or undefined. */
export function storedPassword(secret: Record<string, unknown> | undefined): string | undefined {
  const encoded = passwordData(secret);
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

/** The password as the Secret's `data` holds it. */
export function encodedPassword(password: string): string {
  return Buffer.from(password).toString('base64');
}

export function renderDatabaseSecret(mxs: MetroXService, access: DatabaseAccess): DesiredObject {
  const { name, namespace = 'default', uid = '' } = mxs.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: childNames.databaseSecret(name),
      namespace,
      labels: { 'app.kubernetes.io/managed-by': managedBy, 'metrox.io/service': name },
      ownerReferences: [{ apiVersion: mxs.apiVersion, kind: mxs.kind, name, uid, controller: true, blockOwnerDeletion: true }],
    },
    type: 'Opaque',
    stringData: { DATABASE_URL: databaseUrl(access), PGHOST: access.host, PGPORT: String(access.port), PGDATABASE: access.database, PGUSER: access.role, [passwordKey]: access.password },
  };
}
