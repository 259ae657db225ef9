// The operator process: informers, the work queue, leader election, the
// reconciler, and the HTTP endpoints (/metrics, /healthz, /readyz). Caches warm
// on every replica; only the leader runs workers, and a replica that loses the
// lease stops at once (as controller-runtime does) so two never write together.
import { createServer, type Server } from 'node:http';
import { fieldManager } from '../api/defaults.ts';
import type { OperatorConfig } from '../install/configuration.ts';
import { managedBy } from '../render/names.ts';
import { Informer } from './informer.ts';
import { serviceMonitorCrdName, serviceMonitorsServed } from './prometheus-operator.ts';
import { KubeApiError, type KubeClient } from './kube-client.ts';
import { LeaderElector } from './leader-election.ts';
import { controllerName, operatorMetrics } from './metrics.ts';
import { Reconciler } from './reconciler.ts';
import { keyOf, kinds, type KubeObject, type ResourceKind } from './resources.ts';
import { WorkQueue } from './work-queue.ts';
import { traceReconcile } from '../telemetry/spans.ts';

type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export const jsonLog: Log = (level, message, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
};

export interface Manager {
  readonly metrics: ReturnType<typeof operatorMetrics>;
  readonly server: Server;
  stop(): Promise<void>;
}

export async function startManager(client: KubeClient, config: OperatorConfig, log: Log = jsonLog): Promise<Manager> {
  const metrics = operatorMetrics();
  const queue = new WorkQueue({ concurrency: config.concurrency, metrics: metrics.queue, baseDelayMs: 100, maxDelayMs: 120_000 });

  const enqueue = (object: KubeObject) => {
    queue.add(keyOf(object));
  };
  const onError = (kind: string) => (error: unknown) => {
    log('warn', 'watch failed; restarting with backoff', { kind, error: error instanceof Error ? error.message : String(error) });
  };
  const services = new Informer(client, kinds.MetroXService, {
    namespace: config.watchNamespace,
    onChange: (object, deleted) => {
      // The reconciler exists before any informer starts (below).
      reconciler.observed(object);
      const echo = reconciler.echoesOwnWrite(kinds.MetroXService.kind, object, deleted);
      if (!deleted && !echo) enqueue(object);
    },
    onError: onError('MetroXService'),
  });
  const childInformer = (kind: ResourceKind, onSynced?: () => void) => new Informer(client, kind, {
    namespace: config.watchNamespace,
    labelSelector: `app.kubernetes.io/managed-by=${managedBy}`,
    onChange: (object, deleted) => {
      if (reconciler.echoesOwnWrite(kind.kind, object, deleted)) return;
      const owner = object.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === kinds.MetroXService.kind);
      if (owner !== undefined) queue.add(`${object.metadata.namespace ?? ''}/${owner.name}`);
    },
    onError: onError(kind.kind),
    onSynced,
  });
  const childKinds: ResourceKind[] = [kinds.Deployment, kinds.Service, kinds.ServiceAccount, kinds.ConfigMap, kinds.HorizontalPodAutoscaler, kinds.PodDisruptionBudget];
  const children = new Map<string, Informer>();
  for (const kind of childKinds) children.set(kind.kind, childInformer(kind));

  // ServiceMonitors follow the Prometheus Operator's CRD: when it starts being served,
  // a ServiceMonitor informer starts and every MetroXService is re-rendered with one;
  // when it goes, the informer stops and the scrape annotations come back.
  let serviceMonitors = false;
  const requeueAll = () => {
    for (const object of services.list()) enqueue(object);
  };
  const followServiceMonitorApi = () => {
    const served = serviceMonitorsServed(serviceMonitorCrd.get('', serviceMonitorCrdName));
    if (served === serviceMonitors) return;
    serviceMonitors = served;
    log('info', served ? 'ServiceMonitor API served; rendering ServiceMonitors' : 'ServiceMonitor API gone; rendering scrape annotations', { crd: serviceMonitorCrdName });
    // The Prometheus Operator serves PrometheusRules beside ServiceMonitors: the SLO rules follow too.
    for (const kind of [kinds.ServiceMonitor, kinds.PrometheusRule]) {
      if (served) {
        const informer = childInformer(kind, requeueAll);
        children.set(kind.kind, informer);
        informer.start();
      } else {
        void children.get(kind.kind)?.stop();
        children.delete(kind.kind);
      }
    }
    requeueAll();
  };
  let crdForbidden = false;
  const serviceMonitorCrd = new Informer(client, kinds.CustomResourceDefinition, {
    fieldSelector: `metadata.name=${serviceMonitorCrdName}`,
    onChange: followServiceMonitorApi,
    onSynced: followServiceMonitorApi,
    onError: (error) => {
      // RBAC from before the CRD rule (an operator upgraded ahead of its ClusterRole):
      // work on with scrape annotations rather than never becoming ready.
      if (error instanceof KubeApiError && error.status === 403 && !crdForbidden) {
        crdForbidden = true;
        log('warn', 'may not read the ServiceMonitor CRD; rendering scrape annotations until the ClusterRole allows it', { crd: serviceMonitorCrdName });
        return;
      }
      onError(kinds.CustomResourceDefinition.kind)(error);
    },
  });

  const informers = [services, serviceMonitorCrd, ...children.values()];
  const reconciler = new Reconciler({ client, config, services, children, serviceMonitors: () => serviceMonitors, log, requeue: (key) => { queue.add(key); } });
  for (const informer of informers) informer.start();
  const handle = async (key: string) => {
    const end = metrics.reconcileTime.startTimer({ controller: controllerName });
    try {
      await reconciler.reconcile(key);
      metrics.reconcileTotal.inc({ controller: controllerName, result: 'success' });
      return undefined;
    } catch (error) {
      metrics.reconcileTotal.inc({ controller: controllerName, result: 'error' });
      metrics.reconcileErrors.inc({ controller: controllerName });
      log('warn', 'reconcile failed; retrying with backoff', { key, error: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      end();
    }
  };

  const synced = () => informers.every((i) => i.synced || (i === serviceMonitorCrd && crdForbidden));
  let stopping = false;
  let resync: NodeJS.Timeout | undefined;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (resync !== undefined) clearInterval(resync);
    await queue.shutdown();
    await elector.release();
    await Promise.all([...informers, ...children.values()].map((i) => i.stop()));
    await reconciler.close();
    await new Promise<void>((resolve) => server.close(() => {
      resolve();
    }));
    server.closeAllConnections();
    client.close();
  };

  const elector = new LeaderElector(client, {
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity: config.identity,
    leaseDurationSeconds: config.leaseDurationSeconds,
    renewDeadlineSeconds: config.renewDeadlineSeconds,
    onStartedLeading: () => {
      metrics.leader.set({ name: config.leaseName }, 1);
      log('info', 'became leader', { identity: config.identity, fieldManager });
      void (async () => {
        while (!synced() && !stopping) await new Promise((resolve) => setTimeout(resolve, 50));
        queue.start((key) => traceReconcile(key, () => handle(key)));
        for (const object of services.list()) enqueue(object);
        resync = setInterval(() => {
          for (const object of services.list()) enqueue(object);
        }, config.resyncSeconds * 1000);
        resync.unref();
      })();
    },
    onStoppedLeading: () => {
      metrics.leader.set({ name: config.leaseName }, 0);
      log('error', 'lost leadership; exiting so a fresh process starts as a standby', { identity: config.identity });
      void queue.shutdown().finally(() => process.exit(1));
    },
  });
  metrics.leader.set({ name: config.leaseName }, 0);
  elector.start();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
        },
        (error: unknown) => {
          res.writeHead(500).end(String(error));
        },
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ready = synced() && !stopping;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ok' : 'informer caches not synced');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(config.httpPort, resolve));
  return { metrics, server, stop };
}
