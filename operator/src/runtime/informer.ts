// A list-watch cache (a reflector) that never gives up: on 410 Gone it relists,
// on any other watch or list error (API server restart, network) it retries with
// capped exponential backoff, resuming the watch where it stopped. Every change
// is reported to `onChange`; a relist also reports objects that disappeared
// while the watch was down. Cached objects keep only what reconciling needs
// (cache-shape.ts), as controller-runtime's cache transforms do.
import { compactForCache } from './cache-shape.ts';
import { KubeApiError, type KubeClient, type WatchEvent } from './kube-client.ts';
import { collectionPath, keyOf, newerVersion, type KubeObject, type ResourceKind } from './resources.ts';

export interface InformerOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  onChange: (object: KubeObject, deleted: boolean) => void;
  onError?: (error: unknown) => void;
  /** Synced means the first list has landed. */
  onSynced?: () => void;
}

interface List {
  metadata: { resourceVersion: string };
  items: KubeObject[];
}

export class Informer {
  readonly kind: ResourceKind;
  readonly #client: KubeClient;
  readonly #options: InformerOptions;
  readonly #store = new Map<string, KubeObject>();
  readonly #abort = new AbortController();
  #synced = false;
  #relists = 0;
  #running: Promise<void> | undefined;

  constructor(client: KubeClient, kind: ResourceKind, options: InformerOptions) {
    this.#client = client;
    this.kind = kind;
    this.#options = options;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Lists done so far: one at start, one more per 410 Gone. */
  get relists(): number {
    return this.#relists;
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.#store.get(`${namespace}/${name}`);
  }

  list(): KubeObject[] {
    return [...this.#store.values()];
  }

  /**
   * Takes a full object the API server answered a write with, when it is newer than
   * the cached one: the next reconcile then starts from what was written, not from
   * the older copy the watch has not replaced yet (which would write the same thing
   * twice). Returns whether the cache took it.
   */
  observeWritten(object: KubeObject): boolean {
    const key = keyOf(object);
    const cached = this.#store.get(key);
    if (cached === undefined || cached.metadata.uid !== object.metadata.uid || !newerVersion(object.metadata.resourceVersion, cached.metadata.resourceVersion)) return false;
    this.#store.set(key, compactForCache(object, this.kind.kind));
    return true;
  }

  /** Stores a watched or listed object unless the cache holds a newer write of the same one. */
  #keep(key: string, object: KubeObject): void {
    const cached = this.#store.get(key);
    if (cached !== undefined && cached.metadata.uid === object.metadata.uid && newerVersion(cached.metadata.resourceVersion, object.metadata.resourceVersion)) return;
    this.#store.set(key, object);
  }

  /** A method, not a property read: the flag flips while a loop awaits. */
  #aborted(): boolean {
    return this.#abort.signal.aborted;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  #query(extra: string): string {
    const params = new URLSearchParams();
    if (this.#options.labelSelector !== undefined) params.set('labelSelector', this.#options.labelSelector);
    if (this.#options.fieldSelector !== undefined) params.set('fieldSelector', this.#options.fieldSelector);
    return `${collectionPath(this.kind, this.#options.namespace)}?${params.toString()}${extra}`;
  }

  async #run(): Promise<void> {
    let failures = 0;
    // Undefined: the cache must be (re)built from a list. Otherwise the watch resumes
    // from here after any failure, as client-go's reflector does: after an API server
    // restart that costs one watch, not a relist of every object, unless the server
    // answers 410 Gone (the version left its window), which means relist.
    let resourceVersion: string | undefined;
    while (!this.#aborted()) {
      try {
        resourceVersion ??= await this.#relist();
        const seen = { resourceVersion };
        try {
          await this.#client.watch<KubeObject>(
            this.#query(`&watch=true&allowWatchBookmarks=true&timeoutSeconds=${240 + Math.floor(Math.random() * 60)}&resourceVersion=${resourceVersion}`),
            (event) => {
              this.#apply(event, seen);
            },
            this.#abort.signal,
          );
          failures = 0;
        } finally {
          resourceVersion = seen.resourceVersion;
        }
      } catch (error) {
        if (this.#aborted()) return;
        if (error instanceof KubeApiError && error.status === 410) {
          resourceVersion = undefined;
          continue;
        }
        failures++;
        this.#options.onError?.(error);
        const delay = Math.min(30_000, 200 * 2 ** Math.min(failures, 8)) * (0.5 + Math.random() / 2);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  #apply(event: WatchEvent<KubeObject>, seen: { resourceVersion: string }): void {
    if (event.type === 'ERROR') {
      const status = event.object as unknown as { code?: number; reason?: string; message?: string };
      throw new KubeApiError(status.code ?? 500, status.reason ?? 'Unknown', `watch ${this.kind.plural}: ${status.message ?? 'error event'}`);
    }
    const rv = event.object.metadata.resourceVersion;
    if (rv !== undefined) seen.resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    compactForCache(event.object, this.kind.kind);
    const key = keyOf(event.object);
    if (event.type === 'DELETED') {
      this.#store.delete(key);
      this.#options.onChange(event.object, true);
    } else {
      this.#keep(key, event.object);
      this.#options.onChange(event.object, false);
    }
  }

  async #relist(): Promise<string> {
    const list = await this.#client.get<List>(this.#query(''));
    this.#relists++;
    const fresh = new Map(list.items.map((item) => [keyOf(compactForCache(item, this.kind.kind)), item]));
    for (const [key, old] of this.#store) {
      if (!fresh.has(key)) {
        this.#store.delete(key);
        this.#options.onChange(old, true);
      }
    }
    for (const [key, item] of fresh) {
      const old = this.#store.get(key);
      this.#keep(key, item);
      if (old?.metadata.resourceVersion !== item.metadata.resourceVersion) this.#options.onChange(item, false);
    }
    if (!this.#synced) {
      this.#synced = true;
      this.#options.onSynced?.();
    }
    return list.metadata.resourceVersion;
  }
}
