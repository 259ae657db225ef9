// Apply: the side effects decide asked for, each a thin call: Kubernetes writes
// through the runtime's context (so their echoes are not reconciled again),
// Postgres and RabbitMQ through wiring/. Nothing is decided or remembered here.
import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { fieldManager, finalizer, databaseName } from '../api/defaults.ts';
import type { Condition, MetroXService, MetroXServiceStatus, WiringRecord } from '../api/metroxservice.ts';
import type { OperatorConfig } from '../install/configuration.ts';
import { encodedPassword, passwordKey, renderDatabaseSecret, storedPassword, type DatabaseAccess } from '../render/database-secret.ts';
import { childNames } from '../render/names.ts';
import type { DesiredObject } from '../render/index.ts';
import { digest, managedByUpdate } from '../runtime/cache-shape.ts';
import type { ReconcileContext } from '../runtime/controller.ts';
import { KubeApiError, type MetadataAnswer } from '../runtime/kube-client.ts';
import { errorMessage, type Log } from '../runtime/log.ts';
import { applyOwnership, type ManagedFieldsEntry } from '../runtime/managed-fields.ts';
import { collectionPath, kindOf, objectPath, type KubeObject, type ResourceKind } from '../runtime/resources.ts';
import { deleteQueues, ensureExchange, ensureQueueTopology, retryPolicyOf } from '../wiring/broker.ts';
import { dropDatabase, ensureDatabase, generatePassword } from '../wiring/database.ts';
import { OwnedByAnotherService, ownerOf } from '../wiring/ownership.ts';
import { transitions, type ConditionInput } from './conditions.ts';
import { brokerFailed, brokerReady, databaseFailed, databaseReady, databaseWiringHash, type BrokerWiring, type ChildWrite, type DatabaseWiring } from './decide.ts';
import { kinds } from './kinds.ts';
import { transitionEvent } from './transition-event.ts';

export interface ApplyDeps {
  config: OperatorConfig;
  /** Admin pool of the platform Postgres (undefined: not configured). */
  pool: pg.Pool | undefined;
  log: Log;
}

/** The end of one piece of wiring: its condition, its record when it succeeded, and the error to retry with. */
export interface Wired {
  condition: ConditionInput;
  record?: WiringRecord | undefined;
  error?: unknown;
}

function verified(hash: string, now: Date): WiringRecord {
  return { hash, verifiedAt: now.toISOString().replace(/\.\d+Z$/, 'Z') };
}

export async function addFinalizer(context: ReconcileContext, mxs: MetroXService): Promise<void> {
  const { namespace = '', name } = mxs.metadata;
  await context.client.request('PATCH', objectPath(kinds.MetroXService, namespace, name), {
    metadata: { finalizers: [...(mxs.metadata.finalizers ?? []), finalizer], resourceVersion: mxs.metadata.resourceVersion },
  }, 'application/merge-patch+json');
}

/**
 * The database Secret's password: a new one in a new Secret, or the existing
 * Secret's, read from the API server (the cache holds only its digest). Only
 * wiring that is due reads it, so a resync reads nothing.
 */
async function databasePassword(context: ReconcileContext, mxs: MetroXService, access: Omit<DatabaseAccess, 'password'>, createSecret: boolean): Promise<string> {
  const namespace = mxs.metadata.namespace ?? '';
  const name = childNames.databaseSecret(mxs.metadata.name);
  if (!createSecret) {
    const stored = storedPassword(await context.client.get<KubeObject>(objectPath(kinds.Secret, namespace, name)));
    if (stored === undefined) throw new Error(`Secret ${name} has no ${passwordKey}`);
    return stored;
  }
  const password = generatePassword();
  const secret = renderDatabaseSecret(mxs, { ...access, password });
  await context.write(kinds.Secret, namespace, name, () => context.client.request<KubeObject>('POST', collectionPath(kinds.Secret, namespace), secret)).catch((error: unknown) => {
    if (error instanceof KubeApiError && error.status === 409) throw new Error(`Secret ${name} appeared concurrently; retrying`, { cause: error });
    throw error;
  });
  return password;
}

export async function wireDatabase(context: ReconcileContext, deps: ApplyDeps, mxs: MetroXService, wiring: DatabaseWiring, now: Date): Promise<Wired> {
  const { postgres } = deps.config;
  const { namespace = '', name } = mxs.metadata;
  if (postgres === undefined || deps.pool === undefined) throw new Error('database wiring asked for without a Postgres configured');
  let password: string;
  try {
    password = await databasePassword(context, mxs, { host: postgres.serviceHost, port: postgres.servicePort, database: wiring.database, role: wiring.role }, wiring.createSecret);
  } catch (error) {
    return { condition: databaseFailed('DatabaseError', errorMessage(error)), error };
  }
  try {
    await ensureDatabase(deps.pool, { database: wiring.database, role: wiring.role, password }, ownerOf(namespace, name));
  } catch (error) {
    // A settled conflict, not an outage: reported, not retried with backoff (the drift check looks again).
    if (error instanceof OwnedByAnotherService) return { condition: databaseFailed('DatabaseOwnedByAnotherService', error.message) };
    return { condition: databaseFailed('DatabaseUnreachable', `Postgres: ${errorMessage(error)}`), error };
  }
  // Recorded by the digest the cache will hold of the Secret's password.
  return { condition: databaseReady(wiring, childNames.databaseSecret(name)), record: verified(databaseWiringHash(mxs, digest(encodedPassword(password))), now) };
}

export async function wireBroker(deps: ApplyDeps, mxs: MetroXService, wiring: BrokerWiring, hash: string, now: Date): Promise<Wired> {
  const { broker } = deps.config;
  if (broker === undefined) throw new Error('broker wiring asked for without a broker configured');
  try {
    if (wiring.queue === '') await ensureExchange(broker.adminUrl, wiring.exchange);
    else await ensureQueueTopology(broker.adminUrl, { exchange: wiring.exchange, queue: wiring.queue, subscribes: wiring.subscribes, previouslyBound: wiring.previouslyBound, retry: wiring.retry }, ownerOf(mxs.metadata.namespace ?? '', mxs.metadata.name));
  } catch (error) {
    if (error instanceof OwnedByAnotherService) return { condition: brokerFailed('QueueOwnedByAnotherService', error.message) };
    return { condition: brokerFailed('BrokerUnreachable', errorMessage(error)), error };
  }
  return { condition: brokerReady(wiring), record: verified(hash, now) };
}

/**
 * Creates what is missing and applies what drifted; returns the keys (`Kind/name`)
 * of the children created. A missing child is created with a plain create: the
 * same object as an apply would make, at a fraction of the API server's work (no
 * YAML decoding, no apply merge). Its fields are then owned through an "Update"
 * entry, which is turned into our "Apply" entry before the first apply, so fields
 * later dropped from the render are still removed.
 */
export async function writeChildren(context: ReconcileContext, deps: ApplyDeps, mxs: MetroXService, writes: ChildWrite[]): Promise<Set<string>> {
  const created = new Set<string>();
  const results = await Promise.allSettled(
    writes.map(async ({ desired, live }) => {
      const kind = kindOf(desired, kinds);
      const { namespace, name } = desired.metadata;
      await context.write(kind, namespace, name, () => writeChild(context, deps, kind, desired, live)).catch((error: unknown) => {
        throw new Error(`could not apply ${desired.kind} ${namespace}/${name}: ${errorMessage(error)}`, { cause: error });
      });
      if (live === undefined) created.add(`${desired.kind}/${name}`);
    }),
  );
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failed.length > 0) throw new AggregateError(failed, `${mxs.metadata.namespace ?? ''}/${mxs.metadata.name}: ${failed.map(errorMessage).join('; ')}`);
  return created;
}

async function writeChild(context: ReconcileContext, deps: ApplyDeps, kind: ResourceKind, object: DesiredObject, live: KubeObject | undefined): Promise<MetadataAnswer> {
  const { client } = context;
  const { namespace, name } = object.metadata;
  if (live === undefined) {
    deps.log('info', 'creating child', { kind: object.kind, namespace, name });
    try {
      return await client.create(collectionPath(kind, namespace), object, fieldManager);
    } catch (error) {
      // Created meanwhile (the cache lags): apply over it.
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
    }
  } else {
    deps.log('info', 'child drifted; applying', { kind: object.kind, namespace, name });
  }
  if (live === undefined || managedByUpdate(live, fieldManager)) await adoptCreatedFields(context, kind, namespace, name);
  return client.apply(objectPath(kind, namespace, name), object, fieldManager);
}

/** Turns our create's "Update" managedFields entry into our "Apply" entry (as client-go's csaupgrade does). */
async function adoptCreatedFields(context: ReconcileContext, kind: ResourceKind, namespace: string, name: string): Promise<void> {
  const path = objectPath(kind, namespace, name);
  let current: KubeObject;
  try {
    current = await context.client.get<KubeObject>(path);
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return;
    throw error;
  }
  const upgraded = applyOwnership((current.metadata.managedFields ?? []) as ManagedFieldsEntry[], fieldManager);
  if (upgraded === undefined) return;
  // Only managedFields change, so the API server takes them as sent; the test guards against a concurrent write.
  await context.client.request('PATCH', path, [
    { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
    { op: 'replace', path: '/metadata/managedFields', value: upgraded },
  ], 'application/json-patch+json');
}

export async function deleteChildren(context: ReconcileContext, namespace: string, deletions: { kind: ResourceKind; name: string }[]): Promise<void> {
  for (const { kind, name } of deletions) {
    await context.client.request('DELETE', objectPath(kind, namespace, name)).catch((error: unknown) => {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    });
  }
}

/**
 * Writes `next` as the status with a PUT carrying the resourceVersion it was
 * computed from: the API server keeps everything but status from the stored object
 * (so only status travels and nothing is merged), and a change made meanwhile
 * answers 409 instead of getting a status that describes an older spec. Then one
 * Event per condition whose status changed.
 */
export async function writeStatus(context: ReconcileContext, deps: ApplyDeps, mxs: MetroXService, next: MetroXServiceStatus, now: Date): Promise<void> {
  const { namespace = '', name } = mxs.metadata;
  deps.log('info', 'writing status', { namespace, name, before: mxs.status, after: next });
  const body = { apiVersion: kinds.MetroXService.apiVersion, kind: kinds.MetroXService.kind, metadata: { name, namespace, resourceVersion: mxs.metadata.resourceVersion }, status: next };
  const written = await context.write(kinds.MetroXService, namespace, name, () =>
    context.client.request<KubeObject>('PUT', `${objectPath(kinds.MetroXService, namespace, name)}/status`, body)).catch((error: unknown) => {
    if (error instanceof KubeApiError && error.status === 409) return undefined;
    throw error;
  });
  if (written === undefined) {
    // A newer version exists, so its watch event is on its way (or a relist) and
    // requeues this resource; requeueing here would spin while the cache lags.
    deps.log('info', 'status not written: the MetroXService changed meanwhile', { namespace, name, resourceVersion: mxs.metadata.resourceVersion });
    return;
  }
  // The cache starts from what was written: reconciling its older copy would write the same status again.
  context.wrote(kinds.MetroXService, written);
  const changed = transitions(mxs.status?.conditions, next.conditions ?? []);
  await Promise.all(changed.map((c) => recordEvent(context, deps, mxs, c, now)));
}

async function recordEvent(context: ReconcileContext, deps: ApplyDeps, mxs: MetroXService, c: Condition, now: Date): Promise<void> {
  // A random sequence tells apart Events of the same millisecond without a counter to keep.
  const event = transitionEvent(mxs, c, deps.config.identity, now, randomInt(1_000_000));
  const { namespace } = event.metadata;
  await context.client.request('POST', collectionPath(kinds.Event, namespace), event).catch((error: unknown) => {
    // An Event is a notice, not state: a lost one must not fail the reconcile, but it is logged.
    deps.log('warn', 'could not record an Event', { namespace, name: mxs.metadata.name, condition: c.type, error: errorMessage(error) });
  });
}

/** Cleans up the database (with deletionPolicy Delete) and queues, then releases the finalizer. */
export async function finalize(context: ReconcileContext, deps: ApplyDeps, mxs: MetroXService): Promise<void> {
  const { namespace = '', name } = mxs.metadata;
  const { config } = deps;
  const owner = ownerOf(namespace, name);
  // Another service's database or queue (a name collision) is left alone.
  const unlessOwnedByAnother = (error: unknown) => {
    if (!(error instanceof OwnedByAnotherService)) throw error;
    deps.log('info', 'not deleting what another service owns', { namespace, name, resource: error.resource, owner: error.owner });
  };
  if (mxs.spec.database?.deletionPolicy === 'Delete' && deps.pool !== undefined) {
    const db = databaseName(name, mxs.spec);
    await dropDatabase(deps.pool, { database: db, role: db }, owner).then(() => {
      deps.log('info', 'dropped database', { namespace, name, database: db });
    }, unlessOwnedByAnother);
  }
  const queue = mxs.status?.broker?.queue;
  if (config.broker !== undefined && queue !== undefined && queue !== '') await deleteQueues(config.broker.adminUrl, queue, owner, retryPolicyOf(mxs.spec.env)).catch(unlessOwnedByAnother);
  const finalizers = (mxs.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  await context.client.request('PATCH', objectPath(kinds.MetroXService, namespace, name), {
    metadata: { finalizers, resourceVersion: mxs.metadata.resourceVersion },
  }, 'application/merge-patch+json');
}
