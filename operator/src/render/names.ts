// Stable, explicit names and labels of everything rendered for a MetroXService.
import type { MetroXService } from '../api/metroxservice.ts';

export const managedBy = 'metrox-operator';

export const childNames = {
  workload: (name: string) => name,
  databaseSecret: (name: string) => `${name}-database`,
  brokerSecret: (name: string) => `${name}-broker`,
  dashboard: (name: string) => `${name}-dashboard`,
  sloRules: (name: string) => `${name}-slo-rules`,
};

/** The broker queue of a service (the kit's consumer name). */
export function queueName(mxs: Pick<MetroXService, 'metadata'>): string {
  return mxs.metadata.name;
}

export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
}

export function commonLabels(name: string): Record<string, string> {
  return { ...selectorLabels(name), 'app.kubernetes.io/part-of': 'metrox', 'app.kubernetes.io/managed-by': managedBy, 'metrox.io/service': name };
}

/** The label selector string of status.selector (scale subresource). */
export function selectorString(name: string): string {
  return Object.entries(selectorLabels(name))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
