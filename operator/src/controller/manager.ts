// The operator process: informers, the work queue, leader election, the
// reconciler, and the HTTP endpoints (/metrics, /healthz, /readyz). Caches warm
// on every replica; only the leader runs workers, and a replica that loses the
// lease stops at once (as controller-runtime does) so two never write together.
import { createServer, type Server } from 'node:http';
import { fieldManager } from '../api/defaults.ts';
import type { OperatorConfig } from '../install/configuration.ts';
import { managedBy } from '../render/names.ts';
import { Informer } from './informer.ts';
import { KubeApiError, type KubeClient } from './kube-client.ts';
import { LeaderElector } from './leader-election.ts';
import { controllerName, operatorMetrics } from './metrics.ts';
import { Reconciler } from './reconciler.ts';
import { keyOf, kinds, type KubeObject, type ResourceKind } from './resources.ts';
import { WorkQueue } from './work-queue.ts';

type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export const jsonLog: Log = (level, message, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
};

async function prometheusOperatorInstalled(client: KubeClient): Promise<boolean> {
  try {
    const list = await client.get<{ resources?: { name: string }[] }>('/apis/monitoring.coreos.com/v1');
    return (list.resources ?? []).some((r) => r.name === 'servicemonitors');
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return false;
    throw error;
  }
}

export interface Manager {
  readonly metrics: ReturnType<typeof operatorMetrics>;
  readonly server: Server;
  stop(): Promise<void>;
}

export async function startManager(client: KubeClient, config: OperatorConfig, log: Log = jsonLog): Promise<Manager> {
  const metrics = operatorMetrics();
  const queue = new WorkQueue({ concurrency: config.concurrency, metrics: metrics.queue, baseDelayMs: 100, maxDelayMs: 120_000 });
  const serviceMonitors = await prometheusOperatorInstalled(client);

  const enqueue = (object: KubeObject) => {
    queue.add(keyOf(object));
  };
  const onError = (kind: string) => (error: unknown) => {
    log('warn', 'watch failed; restarting with backoff', { kind, error: error instanceof Error ? error.message : String(error) });
  };
  const services = new Informer(client, kinds.MetroXService, {
    namespace: config.watchNamespace,
    onChange: (object, deleted) => {
      if (!deleted) enqueue(object);
    },
    onError: onError('MetroXService'),
  });
  const childKinds: ResourceKind[] = [kinds.Deployment, kinds.Service, kinds.ServiceAccount, kinds.ConfigMap, kinds.HorizontalPodAutoscaler, kinds.PodDisruptionBudget];
  if (serviceMonitors) childKinds.push(kinds.ServiceMonitor);
  const children = new Map<string, Informer>();
  for (const kind of childKinds) {
    children.set(kind.kind, new Informer(client, kind, {
      namespace: config.watchNamespace,
      labelSelector: `app.kubernetes.io/managed-by=${managedBy}`,
      onChange: (object) => {
        const owner = object.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === kinds.MetroXService.kind);
        if (owner !== undefined) queue.add(`${object.metadata.namespace ?? ''}/${owner.name}`);
      },
      onError: onError(kind.kind),
    }));
  }
  const informers = [services, ...children.values()];
  for (const informer of informers) informer.start();

  const reconciler = new Reconciler({ client, config, services, children, serviceMonitors, log });
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

  const synced = () => informers.every((i) => i.synced);
  let stopping = false;
  let resync: NodeJS.Timeout | undefined;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (resync !== undefined) clearInterval(resync);
    await queue.shutdown();
    await elector.release();
    await Promise.all(informers.map((i) => i.stop()));
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
        queue.start(handle);
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
