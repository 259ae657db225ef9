// Readers of the alerts Prometheus evaluates and Alertmanager holds, for the tests that
// watch an SLO page fire and resolve (on the local stack and on the real node).
import { alertName } from '../../operator/src/render/slo.ts';

export type Labels = Record<string, string>;

async function getJson<T>(url: URL): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url.toString()} answered ${response.status.toString()}`);
  return (await response.json()) as T;
}

/** Prometheus' alerts (pending or firing) whose labels pass `filter`. */
export async function prometheusAlerts(prometheusUrl: string, filter: (labels: Labels) => boolean): Promise<{ labels: Labels; state: string }[]> {
  const body = await getJson<{ data: { alerts: { labels: Labels; state: string }[] } }>(new URL('/api/v1/alerts', prometheusUrl));
  return body.data.alerts.filter((a) => filter(a.labels));
}

/** Alertmanager's alerts (not yet resolved) whose labels pass `filter`. */
export async function alertmanagerAlerts(alertmanagerUrl: string, filter: (labels: Labels) => boolean): Promise<{ labels: Labels; status: { state: string } }[]> {
  const body = await getJson<{ labels: Labels; status: { state: string } }[]>(new URL('/api/v2/alerts', alertmanagerUrl));
  return body.filter((a) => filter(a.labels));
}

/** The fastest page of a service's availability SLO: 14.4x over 1h and 5m. */
export function isAvailabilityPage(labels: Labels, where: { namespace: string; service: string }): boolean {
  return labels.alertname === alertName && labels.namespace === where.namespace && labels.service === where.service &&
    labels.slo === 'availability' && labels.severity === 'page' && labels.long_window === '1h';
}
