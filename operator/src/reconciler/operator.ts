// The MetroX operator: the runtime's Controller for MetroXServices, watching their
// children and the Secrets it manages (label-selected, so memory stays bounded),
// and following the Prometheus Operator's ServiceMonitor API.
import type { OperatorConfig } from '../install/configuration.ts';
import { managedBy } from '../render/names.ts';
import { Controller, type Watch } from '../runtime/controller.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import { jsonLog, type Log } from '../runtime/log.ts';
import type { ControllerMetrics } from '../runtime/metrics.ts';
import type { ResourceKind } from '../runtime/resources.ts';
import { adminPool } from '../wiring/database.ts';
import { kinds } from './kinds.ts';
import { serviceMonitorCrdName, serviceMonitorsServed } from './prometheus-operator.ts';
import { metroxServiceReconciler } from './reconciler.ts';

/** The controller's name in metrics and logs. */
export const controllerName = 'metroxservice';

export interface Manager {
  readonly metrics: ControllerMetrics;
  readonly controller: Controller;
  /** The port of /metrics, /healthz and /readyz. */
  readonly port: number | undefined;
  stop(): Promise<void>;
}

/** Kinds the operator creates for a service, always watched. */
const childKinds: ResourceKind[] = [kinds.Deployment, kinds.Service, kinds.ServiceAccount, kinds.ConfigMap, kinds.Secret, kinds.HorizontalPodAutoscaler, kinds.PodDisruptionBudget];
/** Kinds served with the Prometheus Operator, watched while its API is. */
const prometheusOperatorKinds: ResourceKind[] = [kinds.ServiceMonitor, kinds.PrometheusRule];

export async function startManager(client: KubeClient, config: OperatorConfig, log: Log = jsonLog): Promise<Manager> {
  const managed = (kind: ResourceKind, onSynced?: () => void): Watch => ({ kind, labelSelector: `app.kubernetes.io/managed-by=${managedBy}`, onSynced });
  const pool = config.postgres === undefined ? undefined : adminPool(config.postgres.adminUrl);

  // ServiceMonitors follow the Prometheus Operator's CRD: when it starts being served,
  // their informers start and every MetroXService is re-rendered with one; when it
  // goes, the informers stop and the scrape annotations come back.
  let serviceMonitors = false;
  const followServiceMonitorApi = () => {
    const served = serviceMonitorsServed(controller.cache(kinds.CustomResourceDefinition)?.get('', serviceMonitorCrdName));
    if (served === serviceMonitors) return;
    serviceMonitors = served;
    log('info', served ? 'ServiceMonitor API served; rendering ServiceMonitors' : 'ServiceMonitor API gone; rendering scrape annotations', { crd: serviceMonitorCrdName });
    // The Prometheus Operator serves PrometheusRules beside ServiceMonitors: the SLO rules follow too.
    for (const kind of prometheusOperatorKinds) {
      if (served) controller.watch(managed(kind, () => { controller.requeueAll(); }));
      else void controller.unwatch(kind);
    }
    controller.requeueAll();
  };

  const controller: Controller = new Controller({
    name: controllerName,
    client,
    primary: kinds.MetroXService,
    namespace: config.watchNamespace,
    watches: [
      ...childKinds.map((kind) => managed(kind)),
      {
        kind: kinds.CustomResourceDefinition,
        clusterScoped: true,
        fieldSelector: `metadata.name=${serviceMonitorCrdName}`,
        mapToKeys: () => [],
        onChange: followServiceMonitorApi,
        onSynced: followServiceMonitorApi,
        // RBAC from before the CRD rule (an operator upgraded ahead of its ClusterRole):
        // work on with scrape annotations rather than never becoming ready.
        optional: true,
        onForbidden: () => {
          log('warn', 'may not read the ServiceMonitor CRD; rendering scrape annotations until the ClusterRole allows it', { crd: serviceMonitorCrdName });
        },
      },
    ],
    reconcile: metroxServiceReconciler({ config, pool, log, serviceMonitors: () => serviceMonitors }),
    concurrency: config.concurrency,
    resyncSeconds: config.resyncSeconds,
    leaderElection: {
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationSeconds: config.leaseDurationSeconds,
      renewDeadlineSeconds: config.renewDeadlineSeconds,
    },
    httpPort: config.httpPort,
    log,
  });
  await controller.start();
  return {
    metrics: controller.metrics,
    controller,
    get port() {
      return controller.port;
    },
    async stop() {
      await controller.stop();
      await pool?.end();
      client.close();
    },
  };
}
