// Least-privilege RBAC of the operator: exactly the verbs its code paths use.
// Children are created (create), then applied with server-side apply (patch),
// never deleted one by one except the optional ones (HPA, PDB, the dashboard and
// SLO-rule ConfigMaps, PrometheusRules) when the spec drops them: owner references let the garbage collector do the rest. Secrets are
// listed and watched only with the operator's label selector (RBAC cannot narrow a
// list by label, so the code does): the cache that replaces a GET per reconcile.

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const owned = ['get', 'list', 'watch', 'create', 'patch'];

export const operatorClusterRules: PolicyRule[] = [
  { apiGroups: ['metrox.io'], resources: ['metroxservices'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
  { apiGroups: ['metrox.io'], resources: ['metroxservices/status'], verbs: ['get', 'patch', 'update'] },
  // Owner references with blockOwnerDeletion need update on the owner's finalizers.
  { apiGroups: ['metrox.io'], resources: ['metroxservices/finalizers'], verbs: ['update'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: owned },
  { apiGroups: [''], resources: ['services', 'serviceaccounts'], verbs: owned },
  { apiGroups: [''], resources: ['configmaps'], verbs: [...owned, 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: owned },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: [...owned, 'delete'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: [...owned, 'delete'] },
  { apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors'], verbs: owned },
  { apiGroups: ['monitoring.coreos.com'], resources: ['prometheusrules'], verbs: [...owned, 'delete'] },
  // Whether the Prometheus Operator is installed, followed as it comes and goes: one CRD, by name.
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'], resourceNames: ['servicemonitors.monitoring.coreos.com'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** Leader election: one Lease in the operator's own namespace. */
export const leaderElectionRules: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

export const operatorName = 'metrox-operator';
const labels = { 'app.kubernetes.io/name': operatorName, 'app.kubernetes.io/part-of': 'metrox' };

export function operatorClusterRole(name = operatorName) {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules: structuredClone(operatorClusterRules) };
}

export function operatorClusterRoleBinding(namespace: string, serviceAccount = operatorName, name = operatorName) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
  };
}

export function operatorLeaderElectionRole(namespace: string, name = `${operatorName}-leader-election`) {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace, labels }, rules: structuredClone(leaderElectionRules) };
}

export function operatorLeaderElectionRoleBinding(namespace: string, serviceAccount = operatorName, name = `${operatorName}-leader-election`) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
  };
}

/** Every RBAC object the operator needs, for a ServiceAccount in `namespace`. */
export function operatorRbac(namespace: string, serviceAccount = operatorName) {
  return [
    operatorClusterRole(),
    operatorClusterRoleBinding(namespace, serviceAccount),
    operatorLeaderElectionRole(namespace),
    operatorLeaderElectionRoleBinding(namespace, serviceAccount),
  ];
}
