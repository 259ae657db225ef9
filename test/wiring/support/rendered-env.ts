// The service container's environment as the operator renders it for a chart's
// MetroXService, fully wired (database, broker, telemetry), values only.
import type { V1EnvVar } from '@kubernetes/client-node';
import { services, type ServiceName } from '../../../charts/metrox.config.ts';
import { withDefaults } from '../../../operator/src/api/defaults.ts';
import { apiVersion, kind, type MetroXService } from '../../../operator/src/api/metroxservice.ts';
import { renderWorkload } from '../../../operator/src/render/workload.ts';

export const namespace = 'metrox';

export function chartMetroXService(name: ServiceName): MetroXService {
  return { apiVersion, kind, metadata: { name, namespace }, spec: withDefaults({ image: `img/${name}`, ...services[name] }) };
}

export function renderedEnvVars(name: ServiceName): V1EnvVar[] {
  const context = {
    otlpEndpoint: 'http://collector:4318',
    databaseSecret: `${name}-database`,
    broker: { secretName: `${name}-broker`, exchange: 'metrox.events' },
    serviceMonitors: false,
  };
  const deployment = renderWorkload(chartMetroXService(name), context).find((object) => object.kind === 'Deployment') as
    | { spec: { template: { spec: { containers: { env?: V1EnvVar[] }[] } } } }
    | undefined;
  return deployment?.spec.template.spec.containers[0]?.env ?? [];
}

/** Name → value; variables from the downward API or Secrets get a stand-in value. */
export function renderedEnv(name: ServiceName): Record<string, string> {
  return Object.fromEntries(renderedEnvVars(name).map((variable) => [variable.name, variable.value ?? `<${variable.name} from ${variable.valueFrom === undefined ? '?' : Object.keys(variable.valueFrom).join()}>`]));
}
