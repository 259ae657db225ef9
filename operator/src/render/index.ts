// Pure rendering: a MetroXService and the operator's configuration in, the
// desired child objects out, each with the owner reference that makes the
// garbage collector delete it with its MetroXService.
import { createHash } from 'node:crypto';
import type { MetroXService } from '../api/metroxservice.ts';
import { canonicalJson } from './canonical-json.ts';
import { childNames, commonLabels } from './names.ts';
import { renderDashboard } from './dashboard.ts';
import { renderSloRules } from './slo.ts';
import { stringify } from 'yaml';
import { cipherSidecar, renderWorkload, type WorkloadContext } from './workload.ts';

export { renderDashboard, redPanels, admissionPanels, sloPanels, burnRate, eventPanels, outboxPanels, timeseriesPanel, serviceSelector, dashboardUid } from './dashboard.ts';
export { childNames, commonLabels, selectorLabels, selectorString, queueName, managedBy } from './names.ts';
export { renderSloRules, indicators, burnRateAlerts, alertName, plumbingRoutes, excludedRoutes, sloRecords, type RuleFile } from './slo.ts';
export { managedEnvNames, minimumReplicas, type WorkloadContext } from './workload.ts';

export const renderedHashAnnotation = 'metrox.io/rendered-hash';

export interface RenderContext extends WorkloadContext {
  /** AMQP URL handed to the service, written into its broker Secret. */
  brokerServiceUrl: string | undefined;
}

export interface DesiredObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: unknown[] };
  [field: string]: unknown;
}

export function ownerReference(mxs: MetroXService) {
  return { apiVersion: mxs.apiVersion, kind: mxs.kind, name: mxs.metadata.name, uid: mxs.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function renderServiceMonitor(mxs: MetroXService): DesiredObject {
  const { name, namespace = 'default' } = mxs.metadata;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name, namespace, labels: commonLabels(name) },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name } },
      endpoints: [
        { port: 'http', path: mxs.spec.observability.metrics.path, interval: '15s' },
        ...(mxs.spec.cipher?.enabled === true ? [{ port: cipherSidecar.metricsPortName, path: '/metrics', interval: '15s' }] : []),
      ],
    },
  };
}

function renderDashboardConfigMap(mxs: MetroXService): DesiredObject {
  const { name, namespace = 'default' } = mxs.metadata;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: childNames.dashboard(name), namespace, labels: { ...commonLabels(name), grafana_dashboard: '1' } },
    data: { [`metrox-${namespace}-${name}.json`]: JSON.stringify(renderDashboard(namespace, name, mxs.spec.events, mxs.spec.slo.enabled)) },
  };
}

/** The label the platform Prometheus' rule sidecar selects rule ConfigMaps by (as Grafana's selects dashboards). */
export const prometheusRuleLabel = 'prometheus_rule';

/**
 * The SLO rules: a PrometheusRule where the Prometheus Operator is installed, else a
 * ConfigMap holding the rule file, which the platform Prometheus' sidecar loads.
 */
function renderSloRuleObject(mxs: MetroXService, prometheusOperator: boolean): DesiredObject | undefined {
  const { name, namespace = 'default' } = mxs.metadata;
  const rules = renderSloRules(namespace, name, mxs.spec.slo, mxs.spec.events.subscribes, mxs.spec.observability.metrics.path);
  if (rules.groups.length === 0) return undefined;
  if (prometheusOperator) {
    return { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name, namespace, labels: commonLabels(name) }, spec: rules };
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: childNames.sloRules(name), namespace, labels: { ...commonLabels(name), [prometheusRuleLabel]: '1' } },
    data: { [`metrox-${namespace}-${name}.rules.yaml`]: stringify(rules, { lineWidth: 0 }) },
  };
}

function renderBrokerSecret(mxs: MetroXService, url: string, secretName: string): DesiredObject {
  const { name, namespace = 'default' } = mxs.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace, labels: commonLabels(name) },
    type: 'Opaque',
    data: { AMQP_URL: Buffer.from(url).toString('base64') },
  };
}

/** Everything the operator applies for a MetroXService (the database Secret is wiring's: its password is generated once). */
export function renderChildren(mxs: MetroXService, context: RenderContext): DesiredObject[] {
  const objects = renderWorkload(mxs, context) as DesiredObject[];
  if (mxs.spec.observability.dashboard) objects.push(renderDashboardConfigMap(mxs));
  if (context.serviceMonitors) objects.push(renderServiceMonitor(mxs));
  const sloRules = renderSloRuleObject(mxs, context.serviceMonitors);
  if (sloRules !== undefined) objects.push(sloRules);
  if (context.broker !== undefined && context.brokerServiceUrl !== undefined) objects.push(renderBrokerSecret(mxs, context.brokerServiceUrl, context.broker.secretName));
  const owner = ownerReference(mxs);
  for (const object of objects) {
    object.metadata.ownerReferences = [owner];
    // A field dropped from the render must be dropped from the live object too:
    // the hash changes whenever the render does, so the drift check applies then.
    object.metadata.annotations = { ...object.metadata.annotations, [renderedHashAnnotation]: createHash('sha256').update(canonicalJson(object)).digest('hex').slice(0, 16) };
  }
  return objects;
}
