// Pure: resource attributes the standard OTEL_* variables do not cover. OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES still win (the SDK's environment detector is merged last).
// The Kubernetes variables are what the operator sets through the downward API.
import type { Attributes } from '@opentelemetry/api';

const kubernetes: Record<string, string> = {
  K8S_NAMESPACE_NAME: 'k8s.namespace.name',
  K8S_POD_NAME: 'k8s.pod.name',
  K8S_POD_UID: 'k8s.pod.uid',
  K8S_NODE_NAME: 'k8s.node.name',
  K8S_DEPLOYMENT_NAME: 'k8s.deployment.name',
  K8S_CONTAINER_NAME: 'k8s.container.name',
};

export function resourceAttributesFromEnv(env: NodeJS.ProcessEnv): Attributes {
  const attributes: Attributes = {};
  // `npm run` inside a service's workspace names the package; the root package is not a service.
  const fromPackage = env.npm_package_name?.startsWith('@metrox/') ? env.npm_package_name.slice('@metrox/'.length) : undefined;
  const name = env.SERVICE_NAME ?? fromPackage;
  if (name) attributes['service.name'] = name;
  const version = env.SERVICE_VERSION ?? (fromPackage ? env.npm_package_version : undefined);
  if (version) attributes['service.version'] = version;
  attributes['service.namespace'] = env.SERVICE_NAMESPACE ?? 'metrox';
  if (env.K8S_POD_NAME) attributes['service.instance.id'] = env.K8S_POD_NAME;
  for (const [variable, attribute] of Object.entries(kubernetes)) {
    const value = env[variable];
    if (value) attributes[attribute] = value;
  }
  return attributes;
}
