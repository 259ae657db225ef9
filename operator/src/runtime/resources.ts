// Kubernetes object shapes, the built-in kinds a controller commonly manages,
// and their REST paths. Pure.

export interface ResourceKind {
  apiVersion: string;
  kind: string;
  plural: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    finalizers?: string[];
    deletionTimestamp?: string;
    managedFields?: unknown[];
  };
  [field: string]: unknown;
}

/** Built-in kinds (and the Prometheus Operator's two most common ones). */
export const builtinKinds = {
  Deployment: { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  Service: { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  ServiceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  ConfigMap: { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  Secret: { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  HorizontalPodAutoscaler: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers' },
  PodDisruptionBudget: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
  ServiceMonitor: { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', plural: 'servicemonitors' },
  PrometheusRule: { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', plural: 'prometheusrules' },
  Event: { apiVersion: 'events.k8s.io/v1', kind: 'Event', plural: 'events' },
  Lease: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' },
  CustomResourceDefinition: { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions' },
} as const satisfies Record<string, ResourceKind>;

function prefix(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Collection path, in one namespace or across all of them. */
export function collectionPath(kind: ResourceKind, namespace?: string): string {
  return namespace === undefined ? `${prefix(kind.apiVersion)}/${kind.plural}` : `${prefix(kind.apiVersion)}/namespaces/${namespace}/${kind.plural}`;
}

export function objectPath(kind: ResourceKind, namespace: string, name: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}

export function keyOf(object: { metadata: { namespace?: string; name: string } }): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** The kind among `known` an object (a rendered one: list items carry no kind) declares. */
export function kindOf(object: { apiVersion?: string; kind?: string }, known: Record<string, ResourceKind>): ResourceKind {
  const found = Object.values(known).find((k) => k.kind === object.kind && k.apiVersion === object.apiVersion);
  if (found === undefined) throw new Error(`unknown kind ${object.apiVersion ?? '?'}/${object.kind ?? '?'}`);
  return found;
}

/**
 * Whether resourceVersion `a` is newer than `b`. The API server's versions are
 * etcd revisions, comparable as integers (client-go's CompareResourceVersion);
 * anything else counts as not newer, so the cache wins.
 */
export function newerVersion(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^[1-9]\d*$/.test(a) || !/^[1-9]\d*$/.test(b)) return false;
  return BigInt(a) > BigInt(b);
}
