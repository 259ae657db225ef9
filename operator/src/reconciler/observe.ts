// Observe: everything a reconcile of one MetroXService looks at, read from the
// informer caches only, so a resync of a converged resource sends no request.
import type { MetroXService } from '../api/metroxservice.ts';
import { childNames } from '../render/names.ts';
import type { ReconcileContext } from '../runtime/controller.ts';
import type { KubeObject, ResourceKind } from '../runtime/resources.ts';
import { kinds } from './kinds.ts';

export interface Observed {
  mxs: MetroXService;
  deployment: KubeObject | undefined;
  databaseSecret: KubeObject | undefined;
  /** Whether the Prometheus Operator's ServiceMonitor API is served. */
  serviceMonitors: boolean;
  now: Date;
  /** A cached child of this service's namespace. */
  child: (kind: ResourceKind, name: string) => KubeObject | undefined;
}

/** The MetroXService behind `key` and its surroundings, or undefined when it is gone. */
export function observe(key: string, context: ReconcileContext, serviceMonitors: boolean, now: Date): Observed | undefined {
  const [namespace = '', name = ''] = key.split('/');
  const mxs = context.get(kinds.MetroXService, namespace, name) as MetroXService | undefined;
  if (mxs === undefined) return undefined;
  const child = (kind: ResourceKind, childName: string) => context.get(kind, namespace, childName);
  return {
    mxs,
    deployment: child(kinds.Deployment, name),
    databaseSecret: child(kinds.Secret, childNames.databaseSecret(name)),
    serviceMonitors,
    now,
    child,
  };
}
