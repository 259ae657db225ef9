// The controller driver: informers for the primary kind and what it watches, a
// rate-limited work queue of primary keys, the echo predicate, periodic resync,
// leader election and the HTTP endpoints, around one level-triggered function,
// reconcile(key). Caches warm on every replica; only the leader runs workers, and
// a replica that loses the lease stops at once (as controller-runtime does) so two
// never write together. See README.md.
import type { Server } from 'node:http';
import { echoKey, WriteEchoes } from './echo-filter.ts';
import { closeServer, serveProbes } from './http.ts';
import { Informer } from './informer.ts';
import { KubeApiError, type KubeClient } from './kube-client.ts';
import { LeaderElector } from './leader-election.ts';
import { errorMessage, jsonLog, type Log } from './log.ts';
import { traceReconcile } from './tracing.ts';
import { controllerMetrics, type ControllerMetrics } from './metrics.ts';
import { keyOf, type KubeObject, type ResourceKind } from './resources.ts';
import { WorkQueue } from './work-queue.ts';

/** A kind the controller caches, and which primary keys a change of one of its objects queues. */
export interface Watch {
  kind: ResourceKind;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Cluster-scoped kinds ignore the controller's namespace. */
  clusterScoped?: boolean | undefined;
  /**
   * Primary keys to reconcile for a change (not an echo of this controller's own
   * write). Default: the object's controller owner when it is of the primary kind.
   */
  mapToKeys?: ((object: KubeObject) => string[]) | undefined;
  /** Called on every change, echoes included, after the cache took it. */
  onChange?: ((object: KubeObject, deleted: boolean) => void) | undefined;
  /** Called once the first list landed. */
  onSynced?: (() => void) | undefined;
  /** A watch the controller can work without: when forbidden (403), readiness does not wait for it. */
  optional?: boolean | undefined;
  /** Called once when an optional watch is forbidden (default: a warning in the log). */
  onForbidden?: ((error: KubeApiError) => void) | undefined;
}

export interface LeaderElectionSettings {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  /** Default: drain the queue and exit with code 1, so a fresh process starts as a standby. */
  onLostLeadership?: (() => void) | undefined;
}

export interface ReconcileResult {
  /** Reconcile this key again after this long (a timer; a change sooner queues it sooner). */
  requeueAfterMs?: number | undefined;
}

/** What a reconcile reads and writes through. */
export interface ReconcileContext {
  readonly client: KubeClient;
  /** The cached object, or undefined (not there, or its kind is not watched). */
  get(kind: ResourceKind, namespace: string, name: string): KubeObject | undefined;
  /** Whether the kind is watched (so a missing object is really missing). */
  caches(kind: ResourceKind): boolean;
  /**
   * Runs a write of one object. Its echo through the watch does not queue the key
   * again; a change somebody else made meanwhile does.
   */
  write<T extends { metadata: { resourceVersion?: string | undefined } }>(kind: ResourceKind, namespace: string, name: string, send: () => Promise<T>): Promise<T>;
  /** A write answered with the whole object: the cache takes it when newer. */
  wrote(kind: ResourceKind, object: KubeObject): void;
}

export type Reconcile = (key: string, context: ReconcileContext) => Promise<ReconcileResult | undefined>;

export interface ControllerOptions {
  /** Names the controller in metrics (`controller` label) and logs. */
  name: string;
  client: KubeClient;
  /** The kind reconciled; keys are `<namespace>/<name>` of its objects. */
  primary: ResourceKind;
  primaryLabelSelector?: string | undefined;
  /** Other kinds cached (children, Secrets, …). More can be added with watch(). */
  watches: Watch[];
  reconcile: Reconcile;
  /** Namespace to watch; undefined watches all. */
  namespace?: string | undefined;
  concurrency?: number | undefined;
  /**
   * Every primary object is queued again this often (0: never), the keys spread
   * evenly over the first half of the period, so a large fleet's resync never
   * queues them all at once (which would hold up changes behind it).
   */
  resyncSeconds?: number | undefined;
  /** Without it, this process leads at once. */
  leaderElection?: LeaderElectionSettings | undefined;
  /** /metrics, /healthz, /readyz on this port (0: any free port); undefined: no server. */
  httpPort?: number | undefined;
  log?: Log | undefined;
  baseDelayMs?: number | undefined;
  maxDelayMs?: number | undefined;
}

interface Watched {
  watch: Watch;
  informer: Informer;
  forbidden: boolean;
}

export class Controller {
  readonly metrics: ControllerMetrics;
  readonly #options: ControllerOptions;
  readonly #log: Log;
  readonly #queue: WorkQueue;
  readonly #echoes = new WriteEchoes();
  readonly #primary: Informer;
  readonly #watched = new Map<string, Watched>();
  readonly #elector: LeaderElector | undefined;
  #server: Server | undefined;
  #resync: NodeJS.Timeout | undefined;
  #drip: NodeJS.Timeout | undefined;
  #started = false;
  #working = false;
  #stopping = false;

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#log = options.log ?? jsonLog;
    this.metrics = controllerMetrics(options.name);
    this.#queue = new WorkQueue({ concurrency: options.concurrency ?? 8, metrics: this.metrics.queue, baseDelayMs: options.baseDelayMs ?? 100, maxDelayMs: options.maxDelayMs ?? 120_000 });
    const { primary } = options;
    this.#primary = new Informer(options.client, primary, {
      namespace: options.namespace,
      labelSelector: options.primaryLabelSelector,
      onChange: (object, deleted) => {
        if (!this.#isEcho(primary, object, deleted) && !deleted) this.#queue.add(keyOf(object));
      },
      onError: this.#onWatchError(primary),
    });
    for (const watch of options.watches) this.#add(watch);
    const election = options.leaderElection;
    if (election !== undefined) {
      this.#elector = new LeaderElector(options.client, {
        ...election,
        onStartedLeading: () => {
          this.#lead();
        },
        onStoppedLeading: () => {
          this.metrics.leader.set({ name: election.name }, 0);
          if (election.onLostLeadership !== undefined) {
            election.onLostLeadership();
            return;
          }
          this.#log('error', 'lost leadership; exiting so a fresh process starts as a standby', { identity: election.identity });
          void this.#queue.shutdown().finally(() => process.exit(1));
        },
      });
    }
  }

  /** The port the HTTP endpoints listen on (undefined before start or without them). */
  get port(): number | undefined {
    const address = this.#server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  /** The informer of a kind: the primary or a watched one. */
  cache(kind: ResourceKind): Informer | undefined {
    return kind.kind === this.#options.primary.kind && kind.apiVersion === this.#options.primary.apiVersion ? this.#primary : this.#watched.get(kindKey(kind))?.informer;
  }

  /** Every informer has listed once (forbidden optional watches aside). */
  synced(): boolean {
    return this.#primary.synced && [...this.#watched.values()].every((w) => w.informer.synced || (w.forbidden && w.watch.optional === true));
  }

  /** Leading, caches synced, and the workers started (everything cached was queued once). */
  get working(): boolean {
    return this.#working;
  }

  ready(): boolean {
    return this.synced() && !this.#stopping;
  }

  /** Queues a primary key. */
  enqueue(key: string): void {
    this.#queue.add(key);
  }

  /** Queues every cached primary object (a resync). */
  requeueAll(): void {
    for (const object of this.#primary.list()) this.#queue.add(keyOf(object));
  }

  /** Starts caching another kind (when the API starts being served, say). */
  watch(watch: Watch): void {
    const watched = this.#add(watch);
    if (this.#started) watched.informer.start();
  }

  /** Stops caching a kind. */
  async unwatch(kind: ResourceKind): Promise<void> {
    const watched = this.#watched.get(kindKey(kind));
    this.#watched.delete(kindKey(kind));
    await watched?.informer.stop();
  }

  async start(): Promise<void> {
    this.#started = true;
    this.#primary.start();
    for (const { informer } of this.#watched.values()) informer.start();
    const election = this.#options.leaderElection;
    if (this.#elector !== undefined && election !== undefined) {
      this.metrics.leader.set({ name: election.name }, 0);
      this.#elector.start();
    } else {
      this.#lead();
    }
    if (this.#options.httpPort !== undefined) {
      this.#server = await serveProbes({ port: this.#options.httpPort, registry: this.metrics.registry, ready: () => this.ready() });
    }
  }

  /** Drains in-flight reconciles, releases the lease, stops the informers and the server. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#resync !== undefined) clearInterval(this.#resync);
    if (this.#drip !== undefined) clearInterval(this.#drip);
    await this.#queue.shutdown();
    await this.#elector?.release();
    await Promise.all([this.#primary, ...[...this.#watched.values()].map((w) => w.informer)].map((i) => i.stop()));
    if (this.#server !== undefined) await closeServer(this.#server);
  }

  #add(watch: Watch): Watched {
    const { primary } = this.#options;
    const mapToKeys = watch.mapToKeys ?? ((object: KubeObject) => {
      const owner = object.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === primary.kind && o.apiVersion === primary.apiVersion);
      return owner === undefined ? [] : [`${object.metadata.namespace ?? ''}/${owner.name}`];
    });
    const watched: Watched = {
      watch,
      forbidden: false,
      informer: new Informer(this.#options.client, watch.kind, {
        namespace: watch.clusterScoped === true ? undefined : this.#options.namespace,
        labelSelector: watch.labelSelector,
        fieldSelector: watch.fieldSelector,
        onChange: (object, deleted) => {
          watch.onChange?.(object, deleted);
          if (this.#isEcho(watch.kind, object, deleted)) return;
          for (const key of mapToKeys(object)) this.#queue.add(key);
        },
        onSynced: watch.onSynced,
        onError: (error) => {
          if (watch.optional === true && error instanceof KubeApiError && error.status === 403) {
            if (!watched.forbidden) {
              if (watch.onForbidden !== undefined) watch.onForbidden(error);
              else this.#log('warn', 'may not watch an optional kind; working without it', { kind: watch.kind.kind, error: error.message });
            }
            watched.forbidden = true;
            return;
          }
          this.#onWatchError(watch.kind)(error);
        },
      }),
    };
    this.#watched.set(kindKey(watch.kind), watched);
    return watched;
  }

  #onWatchError(kind: ResourceKind) {
    return (error: unknown) => {
      this.#log('warn', 'watch failed; restarting with backoff', { kind: kind.kind, error: errorMessage(error) });
    };
  }

  /** The echo predicate: a watch event that only echoes this controller's own write. */
  #isEcho(kind: ResourceKind, object: KubeObject, deleted: boolean): boolean {
    const key = echoKey(kind.kind, object.metadata.namespace, object.metadata.name);
    if (deleted) {
      this.#echoes.forget(key);
      return false;
    }
    return this.#echoes.absorbs(key, object.metadata.resourceVersion);
  }

  #context(key: string): ReconcileContext {
    return {
      client: this.#options.client,
      get: (kind, namespace, name) => this.cache(kind)?.get(namespace, name),
      caches: (kind) => this.cache(kind) !== undefined,
      write: async <T extends { metadata: { resourceVersion?: string | undefined } }>(kind: ResourceKind, namespace: string, name: string, send: () => Promise<T>): Promise<T> => {
        const echo = echoKey(kind.kind, namespace, name);
        this.#echoes.begin(echo);
        let resourceVersion: string | undefined;
        try {
          const answer = await send();
          resourceVersion = answer.metadata.resourceVersion;
          return answer;
        } finally {
          if (this.#echoes.end(echo, resourceVersion)) this.#queue.add(key);
        }
      },
      wrote: (kind, object) => {
        this.cache(kind)?.observeWritten(object);
      },
    };
  }

  /** Queues every primary key in equal batches, one a second, over `spreadMs`. */
  #spreadResync(spreadMs: number): void {
    if (this.#drip !== undefined) clearInterval(this.#drip);
    const keys = this.#primary.list().map(keyOf);
    const size = resyncBatchSize(keys.length, spreadMs, 1000);
    let next = 0;
    const drip = () => {
      for (const key of keys.slice(next, next + size)) this.#queue.add(key);
      next += size;
      if (next >= keys.length && this.#drip !== undefined) clearInterval(this.#drip);
    };
    this.#drip = setInterval(drip, 1000);
    this.#drip.unref();
    drip();
  }

  #lead(): void {
    const election = this.#options.leaderElection;
    if (election !== undefined) {
      this.metrics.leader.set({ name: election.name }, 1);
      this.#log('info', 'became leader', { identity: election.identity });
    }
    const { name } = this.#options;
    const handle = async (key: string) => {
      const end = this.metrics.reconcileTime.startTimer({ controller: name });
      try {
        const result = await this.#options.reconcile(key, this.#context(key));
        this.metrics.reconcileTotal.inc({ controller: name, result: 'success' });
        return result;
      } catch (error) {
        this.metrics.reconcileTotal.inc({ controller: name, result: 'error' });
        this.metrics.reconcileErrors.inc({ controller: name });
        this.#log('warn', 'reconcile failed; retrying with backoff', { key, error: errorMessage(error) });
        throw error;
      } finally {
        end();
      }
    };
    void (async () => {
      while (!this.synced() && !this.#stopping) await new Promise((resolve) => setTimeout(resolve, 50));
      if (this.#stopping) return;
      this.#queue.start((key) => traceReconcile(key, () => handle(key)));
      this.requeueAll();
      this.#working = true;
      const resyncSeconds = this.#options.resyncSeconds ?? 0;
      if (resyncSeconds > 0) {
        this.#resync = setInterval(() => {
          this.#spreadResync(resyncSeconds * 500);
        }, resyncSeconds * 1000);
        this.#resync.unref();
      }
    })();
  }
}

/** Keys per batch so that `count` keys, one batch every `stepMs`, take at most `spreadMs` (pure). */
export function resyncBatchSize(count: number, spreadMs: number, stepMs: number): number {
  const batches = Math.max(1, Math.floor(spreadMs / stepMs));
  return Math.max(1, Math.ceil(count / batches));
}

function kindKey(kind: ResourceKind): string {
  return `${kind.apiVersion}/${kind.kind}`;
}
