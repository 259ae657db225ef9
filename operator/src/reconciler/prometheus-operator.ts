// Whether the Prometheus Operator's ServiceMonitor API is served, read from its
// CustomResourceDefinition (pure). The operator watches that one CRD, so
// ServiceMonitors replace scrape annotations when it is installed later, and the
// annotations come back when it is removed.
import type { KubeObject } from '../runtime/resources.ts';

export const serviceMonitorCrdName = 'servicemonitors.monitoring.coreos.com';

interface Crd {
  metadata: { deletionTimestamp?: string };
  spec?: { versions?: { name: string; served?: boolean }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

export function serviceMonitorsServed(object: KubeObject | undefined): boolean {
  if (object === undefined) return false;
  const crd = object as unknown as Crd;
  if (crd.metadata.deletionTimestamp !== undefined) return false;
  const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
  return established && (crd.spec?.versions ?? []).some((v) => v.name === 'v1' && v.served === true);
}
