// What the informer caches keep of an object: only what reconciling needs. Pure.
// managedFields shrink to who manages the object and how (their field sets are
// often the largest part of an object, and only "did we create this with a plain
// create?" is ever asked of them); ConfigMap and Secret values become digests,
// compared with the digests of the rendered values (a dashboard is kilobytes, its
// digest 23 bytes), so the cache holds no credentials either.
import { createHash } from 'node:crypto';
import type { KubeObject } from './resources.ts';

export interface ManagerSummary {
  manager?: string;
  operation?: string;
  subresource?: string;
}

export function digest(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('base64url').slice(0, 16)}`;
}

function digestValues(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, typeof value === 'string' ? digest(value) : value]));
}

/** Kinds whose `data` and `binaryData` values are cached as digests. */
const digestedKinds = new Set(['ConfigMap', 'Secret']);

/** An object of `kind` as cached (list items carry no kind): mutated in place, it was just parsed. */
export function compactForCache<T extends { metadata: object }>(object: T, kind: string): T {
  // Any Kubernetes object has this shape; T only keeps the caller's own type.
  const o = object as unknown as KubeObject;
  const managed = o.metadata.managedFields as ManagerSummary[] | undefined;
  if (managed !== undefined) {
    o.metadata.managedFields = managed.map(({ manager, operation, subresource }) => ({ manager, operation, subresource }));
  }
  if (digestedKinds.has(kind)) {
    if (o.data !== undefined) o.data = digestValues(o.data);
    if (o.binaryData !== undefined) o.binaryData = digestValues(o.binaryData);
  }
  return object;
}

/** The rendered object as the cache would hold it, for comparing the two. Returns a copy. */
export function comparableDesired<T extends { kind?: string; data?: unknown; binaryData?: unknown }>(object: T): T {
  if (object.kind === undefined || !digestedKinds.has(object.kind)) return object;
  return { ...object, data: digestValues(object.data), binaryData: digestValues(object.binaryData) };
}

/** Whether `manager` wrote the object with a plain create or update, not with server-side apply. */
export function managedByUpdate(object: KubeObject, manager: string): boolean {
  return ((object.metadata.managedFields ?? []) as ManagerSummary[]).some((m) => m.manager === manager && m.operation === 'Update' && (m.subresource ?? '') === '');
}
