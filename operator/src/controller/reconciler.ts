// The MetroXService reconciler: one level-triggered entry point, reconcile(key).
// It reads the MetroXService and its children from the informer caches, wires
// the database and broker, applies the rendered children that drifted with
// server-side apply, prunes optional children no longer wanted, and writes
// status only when it changed. Errors go back to the queue with context.
import { databaseName, fieldManager, finalizer } from '../api/defaults.ts';
import type { Condition, MetroXService, MetroXServiceStatus } from '../api/metroxservice.ts';
import type { OperatorConfig } from '../install/configuration.ts';
import { childNames, queueName, renderChildren, selectorString, type DesiredObject, type RenderContext } from '../render/index.ts';
import { adminPool, databaseUrl, dropDatabase, ensureDatabase, generatePassword, type DatabaseGrant } from '../wiring/database.ts';
import { deleteQueues, ensureExchange, ensureQueueTopology, retryPolicyOf } from '../wiring/broker.ts';
import { OwnedByAnotherService, ownerOf } from '../wiring/ownership.ts';
import { condition, nextStatus, transitions, type ConditionInput } from './conditions.ts';
import { comparableDesired, compactForCache, managedByUpdate } from './cache-shape.ts';
import { contains } from './drift.ts';
import { applyOwnership, type ManagedFieldsEntry } from './managed-fields.ts';
import type { Informer } from './informer.ts';
import { echoKey, WriteEchoes } from './write-echoes.ts';
import { transitionEvent } from './transition-event.ts';
import { KubeApiError, type KubeClient, type MetadataAnswer } from './kube-client.ts';
import { kinds, kindOf, newerVersion, objectPath, collectionPath, type KubeObject, type ResourceKind } from './resources.ts';

export interface ReconcilerDeps {
  client: KubeClient;
  config: OperatorConfig;
  services: Informer;
  children: Map<string, Informer>;
  /** Whether the Prometheus Operator's ServiceMonitor API is served right now. */
  serviceMonitors: () => boolean;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Reconcile `key` again: something else changed an object while this operator was writing it. */
  requeue: (key: string) => void;
}

/** Children removed when the spec no longer asks for them. */
/** Children the spec (or the cluster's APIs) may drop: deleted when no longer rendered. */
function optionalChildren(name: string): { kind: ResourceKind; name: string }[] {
  return [
    { kind: kinds.HorizontalPodAutoscaler, name },
    { kind: kinds.PodDisruptionBudget, name },
    { kind: kinds.ConfigMap, name: childNames.dashboard(name) },
    { kind: kinds.ConfigMap, name: childNames.sloRules(name) },
    { kind: kinds.PrometheusRule, name },
  ];
}

export class DependencyNotReady extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DependencyNotReady';
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  return String(error);
}

export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #pool: ReturnType<typeof adminPool> | undefined;
  readonly #written = new Map<string, MetroXService>();
  readonly #echoes = new WriteEchoes();
  #eventSequence = 0;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#pool = deps.config.postgres === undefined ? undefined : adminPool(deps.config.postgres.adminUrl);
  }

  /**
   * The freshest known state of a MetroXService: the answer to our own status
   * write while the informer has not caught up with it. Reconciling the older
   * cached copy would write the same status a second time.
   */
  #current(key: string, cached: MetroXService | undefined): MetroXService | undefined {
    const written = this.#written.get(key);
    if (written === undefined) return cached;
    if (cached !== undefined && written.metadata.uid === cached.metadata.uid && newerVersion(written.metadata.resourceVersion, cached.metadata.resourceVersion)) return written;
    this.#written.delete(key);
    return cached;
  }

  /** The informer saw this MetroXService: drop a remembered status write it has caught up with. */
  observed(object: KubeObject): void {
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const written = this.#written.get(key);
    if (written !== undefined && !newerVersion(written.metadata.resourceVersion, object.metadata.resourceVersion)) this.#written.delete(key);
  }

  /** Whether a watch event of `kind` needs no reconcile of its owner: it echoes our own write. */
  echoesOwnWrite(kind: string, object: KubeObject, deleted: boolean): boolean {
    const key = echoKey(kind, object.metadata.namespace, object.metadata.name);
    if (deleted) {
      this.#echoes.forget(key);
      return false;
    }
    return this.#echoes.absorbs(key, object.metadata.resourceVersion);
  }

  /** Runs a write of one object, telling the echo of its answer from others' changes. */
  async #writing<T extends { metadata: { resourceVersion?: string | undefined } }>(owner: MetroXService, kind: string, namespace: string, name: string, write: () => Promise<T>): Promise<T> {
    const key = echoKey(kind, namespace, name);
    this.#echoes.begin(key);
    let answer: T | undefined;
    try {
      answer = await write();
      return answer;
    } finally {
      if (this.#echoes.end(key, answer?.metadata.resourceVersion)) this.#deps.requeue(`${owner.metadata.namespace ?? ''}/${owner.metadata.name}`);
    }
  }

  async close(): Promise<void> {
    await this.#pool?.end();
  }

  async reconcile(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const mxs = this.#current(key, this.#deps.services.get(namespace, name) as MetroXService | undefined);
    if (mxs === undefined) return; // Deleted: the garbage collector removes the children.
    if (mxs.metadata.deletionTimestamp !== undefined) {
      await this.#finalize(mxs);
      return;
    }
    if (this.#needsFinalizer(mxs) && !(mxs.metadata.finalizers ?? []).includes(finalizer)) {
      await this.#deps.client.request('PATCH', objectPath(kinds.MetroXService, namespace, name), {
        metadata: { finalizers: [...(mxs.metadata.finalizers ?? []), finalizer], resourceVersion: mxs.metadata.resourceVersion },
      }, 'application/merge-patch+json');
      return; // The update comes back through the informer.
    }

    const conditions: ConditionInput[] = [];
    const status: MetroXServiceStatus = { selector: selectorString(name) };
    const failures: unknown[] = [];

    const database = await this.#wireDatabase(mxs).catch((error: unknown) => {
      failures.push(error);
      return condition('DatabaseReady', false, error instanceof DependencyNotReady ? 'DatabaseUnreachable' : 'DatabaseError', `Could not prepare the database: ${describe(error)}. The operator retries with backoff.`);
    });
    if ('secretName' in database) {
      status.database = { name: database.name, secretName: database.secretName };
      conditions.push(condition('DatabaseReady', true, 'DatabaseProvisioned', `Database ${database.name} and its role exist; credentials are in Secret ${database.secretName}.`));
    } else conditions.push(database);

    const broker = await this.#wireBroker(mxs).catch((error: unknown) => {
      failures.push(error);
      return condition('BrokerReady', false, 'BrokerUnreachable', `Could not declare the broker topology: ${describe(error)}. The operator retries with backoff.`);
    });
    if ('queue' in broker) {
      status.broker = { queue: broker.queue, boundTypes: broker.boundTypes };
      conditions.push(condition('BrokerReady', true, 'TopologyDeclared', broker.message));
    } else conditions.push(broker);

    const context = this.#renderContext(mxs);
    const desired = renderChildren(mxs, context);
    // A child the API server refuses is reported in status, then retried with backoff.
    let applied = new Map<string, MetadataAnswer>();
    const applyError = await this.#applyChildren(mxs, desired)
      .then((result) => {
        applied = result;
        return this.#prune(mxs, desired);
      })
      .then(() => undefined, (error: unknown) => error);
    if (applyError !== undefined) failures.push(applyError);

    if (mxs.spec.observability.dashboard) {
      status.dashboard = { configMapName: childNames.dashboard(name) };
      conditions.push(condition('DashboardReady', true, 'DashboardProvisioned', `Dashboard ConfigMap ${childNames.dashboard(name)} is labelled grafana_dashboard=1 for Grafana's sidecar.`));
    } else {
      conditions.push(condition('DashboardReady', true, 'DashboardDisabled', 'spec.observability.dashboard is false.'));
    }

    // A Deployment created just now may not be in the cache yet: reporting it missing
    // would cost a second status write when the watch event arrives. (Writes answer with
    // metadata only; a new Deployment has no status yet anyway.)
    const cachedDeployment = this.#child(kinds.Deployment, namespace, name);
    const deploymentExists = cachedDeployment !== undefined || applied.has(`${kinds.Deployment.kind}/${name}`);
    const deploymentStatus = (cachedDeployment?.status ?? {}) as { replicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
    status.replicas = deploymentStatus.replicas ?? 0;
    status.readyReplicas = deploymentStatus.readyReplicas ?? 0;
    conditions.unshift(
      applyError === undefined
        ? availability(mxs, deploymentExists, deploymentStatus)
        : condition('Available', false, 'ApplyFailed', `Could not apply the workload: ${describe(applyError)}. The operator retries with backoff.`),
    );

    await this.#writeStatus(mxs, status, conditions);
    if (failures.length > 0) throw new AggregateError(failures, `${key}: ${failures.map(describe).join('; ')}`);
  }

  #needsFinalizer(mxs: MetroXService): boolean {
    return (mxs.spec.database !== undefined && this.#deps.config.postgres !== undefined) || this.#wantsQueue(mxs);
  }

  #wantsQueue(mxs: MetroXService): boolean {
    return this.#deps.config.broker !== undefined && mxs.spec.events.subscribes.length > 0;
  }

  #wantsBroker(mxs: MetroXService): boolean {
    return this.#deps.config.broker !== undefined && (mxs.spec.events.subscribes.length > 0 || mxs.spec.events.publishes.length > 0);
  }

  #renderContext(mxs: MetroXService): RenderContext {
    const { config } = this.#deps;
    const { name } = mxs.metadata;
    const broker = this.#wantsBroker(mxs) && config.broker !== undefined ? { secretName: childNames.brokerSecret(name), exchange: config.broker.exchange } : undefined;
    return {
      otlpEndpoint: config.otlpEndpoint,
      cipherImage: config.cipherImage,
      databaseSecret: mxs.spec.database !== undefined && config.postgres !== undefined ? childNames.databaseSecret(name) : undefined,
      broker,
      brokerServiceUrl: config.broker?.serviceUrl,
      serviceMonitors: this.#deps.serviceMonitors(),
    };
  }

  #child(kind: ResourceKind, namespace: string, name: string): KubeObject | undefined {
    return this.#deps.children.get(kind.kind)?.get(namespace, name);
  }

  async #live(kind: ResourceKind, namespace: string, name: string): Promise<KubeObject | undefined> {
    const informer = this.#deps.children.get(kind.kind);
    if (informer !== undefined) return informer.get(namespace, name);
    try {
      return await this.#deps.client.get<KubeObject>(objectPath(kind, namespace, name));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Creates what is missing and applies what drifted; returns the API server's
   * answers, fresher than the informer cache. A missing child is created with a
   * plain create: the same object as an apply would make, at a fraction of the API
   * server's work (no YAML decoding, no apply merge). Its fields are then owned
   * through an "Update" entry, which is turned into our "Apply" entry before the
   * first apply, so fields later dropped from the render are still removed.
   */
  async #applyChildren(mxs: MetroXService, desired: DesiredObject[]): Promise<Map<string, MetadataAnswer>> {
    const applied = new Map<string, MetadataAnswer>();
    const results = await Promise.allSettled(
      desired.map(async (object) => {
        const kind = kindOf(object);
        const { namespace, name } = object.metadata;
        const live = await this.#live(kind, namespace, name);
        // List items carry no apiVersion/kind: compare the rest.
        const { apiVersion: _apiVersion, kind: _kind, ...fields } = comparableDesired(object);
        if (live !== undefined && contains(live, fields)) return;
        const result = await this.#writing(mxs, kind.kind, namespace, name, () => this.#write(kind, object, live)).catch((error: unknown) => {
          throw new Error(`could not apply ${object.kind} ${namespace}/${name}: ${describe(error)}`, { cause: error });
        });
        applied.set(`${object.kind}/${name}`, result);
      }),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    if (failed.length > 0) throw new AggregateError(failed, `${mxs.metadata.namespace ?? ''}/${mxs.metadata.name}: ${failed.map(describe).join('; ')}`);
    return applied;
  }

  async #write(kind: ResourceKind, object: DesiredObject, live: KubeObject | undefined): Promise<MetadataAnswer> {
    const { client, log } = this.#deps;
    const { namespace, name } = object.metadata;
    if (live === undefined) {
      log('info', 'creating child', { kind: object.kind, namespace, name });
      try {
        return await client.create(collectionPath(kind, namespace), object, fieldManager);
      } catch (error) {
        // Created meanwhile (the cache lags): apply over it.
        if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      }
    } else {
      log('info', 'child drifted; applying', { kind: object.kind, namespace, name });
    }
    if (live === undefined || managedByUpdate(live, fieldManager)) await this.#adoptCreatedFields(kind, namespace, name);
    return client.apply(objectPath(kind, namespace, name), object, fieldManager);
  }

  /** Turns our create's "Update" managedFields entry into our "Apply" entry (as client-go's csaupgrade does). */
  async #adoptCreatedFields(kind: ResourceKind, namespace: string, name: string): Promise<void> {
    const path = objectPath(kind, namespace, name);
    let current: KubeObject;
    try {
      current = await this.#deps.client.get<KubeObject>(path);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return;
      throw error;
    }
    const upgraded = applyOwnership((current.metadata.managedFields ?? []) as ManagedFieldsEntry[], fieldManager);
    if (upgraded === undefined) return;
    // Only managedFields change, so the API server takes them as sent; the test guards against a concurrent write.
    await this.#deps.client.request('PATCH', path, [
      { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
      { op: 'replace', path: '/metadata/managedFields', value: upgraded },
    ], 'application/json-patch+json');
  }

  async #prune(mxs: MetroXService, desired: DesiredObject[]): Promise<void> {
    const { namespace = '', name, uid } = mxs.metadata;
    for (const { kind, name: childName } of optionalChildren(name)) {
      const live = this.#child(kind, namespace, childName);
      if (live === undefined || desired.some((d) => d.kind === kind.kind && d.metadata.name === childName)) continue;
      if (!(live.metadata.ownerReferences ?? []).some((o) => o.uid === uid)) continue;
      await this.#deps.client.request('DELETE', objectPath(kind, namespace, childName)).catch((error: unknown) => {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      });
    }
  }

  async #wireDatabase(mxs: MetroXService): Promise<ConditionInput | { name: string; secretName: string }> {
    const { namespace = '', name } = mxs.metadata;
    if (mxs.spec.database === undefined) return condition('DatabaseReady', true, 'NoDatabase', 'The service asks for no database.');
    const { postgres } = this.#deps.config;
    if (postgres === undefined || this.#pool === undefined) {
      return condition('DatabaseReady', false, 'DatabaseNotConfigured', 'The operator has no platform Postgres configured: set METROX_POSTGRES_ADMIN_URL on the operator.');
    }
    const db = databaseName(name, mxs.spec);
    const secretName = childNames.databaseSecret(name);
    let password: string;
    const existing = await this.#live(kinds.Secret, namespace, secretName);
    const stored = (existing?.data as Record<string, string> | undefined)?.PGPASSWORD;
    if (stored !== undefined) {
      password = Buffer.from(stored, 'base64').toString('utf8');
    } else {
      // Generated once; the Secret is created before the role so a crash in between loses nothing.
      password = generatePassword();
      const grant = { database: db, role: db, password };
      const url = databaseUrl(postgres.serviceHost, postgres.servicePort, grant);
      const body = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName, namespace, labels: { 'app.kubernetes.io/managed-by': 'metrox-operator', 'metrox.io/service': name }, ownerReferences: [{ apiVersion: mxs.apiVersion, kind: mxs.kind, name, uid: mxs.metadata.uid, controller: true, blockOwnerDeletion: true }] },
        type: 'Opaque',
        stringData: { DATABASE_URL: url, PGHOST: postgres.serviceHost, PGPORT: String(postgres.servicePort), PGDATABASE: db, PGUSER: db, PGPASSWORD: password },
      };
      try {
        await this.#deps.client.request('POST', collectionPath(kinds.Secret, namespace), body);
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409) throw new Error(`Secret ${secretName} appeared concurrently; retrying`, { cause: error });
        throw error;
      }
    }
    const grant: DatabaseGrant = { database: db, role: db, password };
    try {
      await ensureDatabase(this.#pool, grant, ownerOf(namespace, name));
    } catch (error) {
      // A settled conflict, not an outage: reported, not retried with backoff (a resync looks again).
      if (error instanceof OwnedByAnotherService) return condition('DatabaseReady', false, 'DatabaseOwnedByAnotherService', error.message);
      throw new DependencyNotReady(`Postgres: ${describe(error)}`, { cause: error });
    }
    return { name: db, secretName };
  }

  async #wireBroker(mxs: MetroXService): Promise<ConditionInput | { queue: string; boundTypes: string[]; message: string }> {
    const { broker } = this.#deps.config;
    if (!this.#wantsBroker(mxs) || broker === undefined) {
      if (broker === undefined && (mxs.spec.events.subscribes.length > 0 || mxs.spec.events.publishes.length > 0)) {
        return condition('BrokerReady', false, 'BrokerNotConfigured', 'The operator has no platform broker configured: set METROX_AMQP_ADMIN_URL on the operator.');
      }
      return condition('BrokerReady', true, 'NoEvents', 'The service publishes and consumes no events.');
    }
    const queue = queueName(mxs);
    const subscribes = [...mxs.spec.events.subscribes].sort();
    if (subscribes.length === 0) {
      await ensureExchange(broker.adminUrl, broker.exchange);
      return { queue: '', boundTypes: [], message: `Exchange ${broker.exchange} exists; the service subscribes to nothing.` };
    }
    try {
      await ensureQueueTopology(broker.adminUrl, { exchange: broker.exchange, queue, subscribes, previouslyBound: mxs.status?.broker?.boundTypes ?? [], retry: retryPolicyOf(mxs.spec.env) }, ownerOf(mxs.metadata.namespace ?? '', mxs.metadata.name));
    } catch (error) {
      if (error instanceof OwnedByAnotherService) return condition('BrokerReady', false, 'QueueOwnedByAnotherService', error.message);
      throw error;
    }
    return { queue, boundTypes: subscribes, message: `Queue ${queue} (quorum, dead letters in ${queue}.dlq) is bound to ${subscribes.join(', ')} on ${broker.exchange}.` };
  }

  async #finalize(mxs: MetroXService): Promise<void> {
    const { namespace = '', name } = mxs.metadata;
    if (!(mxs.metadata.finalizers ?? []).includes(finalizer)) return;
    const { config } = this.#deps;
    const owner = ownerOf(namespace, name);
    // Another service's database or queue (a name collision) is left alone.
    const unlessOwnedByAnother = (error: unknown) => {
      if (!(error instanceof OwnedByAnotherService)) throw error;
      this.#deps.log('info', 'not deleting what another service owns', { namespace, name, resource: error.resource, owner: error.owner });
    };
    if (mxs.spec.database?.deletionPolicy === 'Delete' && this.#pool !== undefined) {
      const db = databaseName(name, mxs.spec);
      await dropDatabase(this.#pool, { database: db, role: db }, owner).then(() => {
        this.#deps.log('info', 'dropped database', { namespace, name, database: db });
      }, unlessOwnedByAnother);
    }
    const queue = mxs.status?.broker?.queue;
    if (config.broker !== undefined && queue !== undefined && queue !== '') await deleteQueues(config.broker.adminUrl, queue, owner, retryPolicyOf(mxs.spec.env)).catch(unlessOwnedByAnother);
    const finalizers = (mxs.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.#deps.client.request('PATCH', objectPath(kinds.MetroXService, namespace, name), {
      metadata: { finalizers, resourceVersion: mxs.metadata.resourceVersion },
    }, 'application/merge-patch+json');
  }

  async #writeStatus(mxs: MetroXService, status: MetroXServiceStatus, conditions: ConditionInput[]): Promise<void> {
    const next = nextStatus(mxs.status, status, conditions, mxs.metadata.generation ?? 0, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    if (next === undefined) return;
    this.#deps.log('info', 'writing status', { namespace: mxs.metadata.namespace, name: mxs.metadata.name, before: mxs.status, after: next });
    const { namespace = '', name } = mxs.metadata;
    // A PUT carrying the resourceVersion this status was computed from: the API server
    // keeps everything but status from the stored object (so only status travels and
    // nothing is merged), and a change made meanwhile answers 409 instead of getting a
    // status that describes an older spec.
    const body = { apiVersion: kinds.MetroXService.apiVersion, kind: kinds.MetroXService.kind, metadata: { name, namespace, resourceVersion: mxs.metadata.resourceVersion }, status: next };
    const written = await this.#writing(mxs, kinds.MetroXService.kind, namespace, name, () =>
      this.#deps.client.request<MetroXService>('PUT', `${objectPath(kinds.MetroXService, namespace, name)}/status`, body)).catch((error: unknown) => {
      if (error instanceof KubeApiError && error.status === 409) return undefined;
      throw error;
    });
    if (written === undefined) {
      // A newer version exists, so its watch event is on its way (or a relist) and
      // requeues this resource; requeueing here would spin while the cache lags.
      this.#deps.log('info', 'status not written: the MetroXService changed meanwhile', { namespace, name, resourceVersion: mxs.metadata.resourceVersion });
      return;
    }
    this.#written.set(`${namespace}/${name}`, compactForCache(written, kinds.MetroXService.kind));
    const changed = transitions(mxs.status?.conditions, next.conditions ?? []);
    await Promise.all(changed.map((c) => this.#event(mxs, c)));
  }

  async #event(mxs: MetroXService, c: Condition): Promise<void> {
    const event = transitionEvent(mxs, c, this.#deps.config.identity, new Date(), this.#eventSequence++);
    const { namespace } = event.metadata;
    await this.#deps.client.request('POST', collectionPath(kinds.Event, namespace), event).catch((error: unknown) => {
      // An Event is a notice, not state: a lost one must not fail the reconcile, but it is logged.
      this.#deps.log('warn', 'could not record an Event', { namespace, name: mxs.metadata.name, condition: c.type, error: describe(error) });
    });
  }
}

function availability(
  mxs: MetroXService,
  deploymentExists: boolean,
  status: { readyReplicas?: number; observedGeneration?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] },
): ConditionInput {
  if (!deploymentExists) return condition('Available', false, 'DeploymentMissing', 'The Deployment has not been created yet.');
  if (mxs.spec.replicas === 0) return condition('Available', true, 'ScaledToZero', 'spec.replicas is 0.');
  const available = status.conditions?.find((c) => c.type === 'Available');
  if (available?.status === 'True' && (status.readyReplicas ?? 0) > 0) {
    return condition('Available', true, 'MinimumReplicasAvailable', `${status.readyReplicas ?? 0} ready replicas.`);
  }
  return condition('Available', false, available?.reason ?? 'DeploymentProgressing', available?.message ?? `Waiting for Pods of Deployment ${mxs.metadata.name} to become ready (${status.readyReplicas ?? 0} ready). Check the Pods' events if this persists.`);
}
