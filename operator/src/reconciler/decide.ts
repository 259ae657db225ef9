// Decide: what a reconcile of one MetroXService does, from what was observed.
// Pure: no I/O, no clock (the time is an input), nothing remembered between calls.
import { createHash } from 'node:crypto';
import { databaseName, finalizer } from '../api/defaults.ts';
import type { MetroXService, MetroXServiceStatus, WiringRecord } from '../api/metroxservice.ts';
import type { OperatorConfig } from '../install/configuration.ts';
import { canonicalJson } from '../render/canonical-json.ts';
import { childNames, queueName, selectorString, type DesiredObject, type RenderContext } from '../render/index.ts';
import { comparableDesired } from '../runtime/cache-shape.ts';
import { contains } from '../runtime/drift.ts';
import { kindOf, type KubeObject, type ResourceKind } from '../runtime/resources.ts';
import { condition, type ConditionInput } from './conditions.ts';
import { kinds } from './kinds.ts';
import { retryPolicyOf } from '../wiring/broker.ts';
import type { RetryPolicy } from '@metrox/contracts/broker-topology';
import type { Observed } from './observe.ts';

/** The operator settings the decisions depend on. */
type DecideConfig = Pick<OperatorConfig, 'postgres' | 'broker' | 'otlpEndpoint' | 'cipherImage' | 'driftCheckSeconds'>;

export function wantsDatabase(mxs: MetroXService, config: DecideConfig): boolean {
  return mxs.spec.database !== undefined && config.postgres !== undefined;
}

export function wantsQueue(mxs: MetroXService, config: DecideConfig): boolean {
  return config.broker !== undefined && mxs.spec.events.subscribes.length > 0;
}

export function wantsBroker(mxs: MetroXService, config: DecideConfig): boolean {
  return config.broker !== undefined && (mxs.spec.events.subscribes.length > 0 || mxs.spec.events.publishes.length > 0);
}

/** The first step: clean up a deleted resource, add the finalizer, or reconcile. */
export type FirstStep = 'forget' | 'finalize' | 'addFinalizer' | 'reconcile';

export function firstStep(mxs: MetroXService | undefined, config: DecideConfig): FirstStep {
  if (mxs === undefined) return 'forget'; // Deleted: the garbage collector removes the children.
  if (mxs.metadata.deletionTimestamp !== undefined) return (mxs.metadata.finalizers ?? []).includes(finalizer) ? 'finalize' : 'forget';
  const needsFinalizer = wantsDatabase(mxs, config) || wantsQueue(mxs, config);
  if (needsFinalizer && !(mxs.metadata.finalizers ?? []).includes(finalizer)) return 'addFinalizer';
  return 'reconcile';
}

export function renderContext(mxs: MetroXService, config: DecideConfig, serviceMonitors: boolean): RenderContext {
  const { name } = mxs.metadata;
  const broker = wantsBroker(mxs, config) && config.broker !== undefined ? { secretName: childNames.brokerSecret(name), exchange: config.broker.exchange } : undefined;
  return {
    otlpEndpoint: config.otlpEndpoint,
    cipherImage: config.cipherImage,
    databaseSecret: wantsDatabase(mxs, config) ? childNames.databaseSecret(name) : undefined,
    broker,
    brokerServiceUrl: config.broker?.serviceUrl,
    serviceMonitors,
  };
}

// ---- Wiring: what to do in Postgres and RabbitMQ ----

/** The database wiring asked for. */
export interface DatabaseWiring {
  database: string;
  role: string;
  /**
   * No Secret yet: create one with a new password (before the role, so a crash in
   * between loses nothing). Otherwise the password is read from the Secret (the
   * cache holds only its digest), which stays the source of truth for it.
   */
  createSecret: boolean;
}

export interface BrokerWiring {
  exchange: string;
  /** Empty: the service subscribes to nothing, only the exchange is declared. */
  queue: string;
  subscribes: string[];
  previouslyBound: string[];
  /** The service kit's backoff: one retry queue per delay. */
  retry: RetryPolicy;
}

/** One piece of wiring: not applicable (a condition says why), to do, or already done. */
export type WiringStep<T> =
  | { kind: 'none'; condition: ConditionInput }
  /** `hash`: the digest to record once wired (empty when it depends on a password still to be made: apply computes it). */
  | { kind: 'wire'; wiring: T; hash: string }
  | { kind: 'done'; record: WiringRecord; condition: ConditionInput };

/** A short digest of what a piece of wiring asks for. */
export function wiringHash(wiring: unknown): string {
  return createHash('sha256').update(canonicalJson(wiring)).digest('hex').slice(0, 16);
}

/** The spread added to the drift-check period: up to a fifth of it, fixed per object and piece. */
export function driftJitterMs(periodMs: number, uid: string, piece: string): number {
  const fraction = createHash('sha256').update(`${uid}/${piece}`).digest().readUInt32BE(0) / 2 ** 32;
  return Math.floor(periodMs * 0.2 * fraction);
}

/** When a recorded piece of wiring is next verified. */
export function verificationDueAt(record: WiringRecord, periodMs: number, uid: string, piece: string): number {
  return Date.parse(record.verifiedAt) + periodMs + driftJitterMs(periodMs, uid, piece);
}

/**
 * Whether wiring can be skipped: the recorded wiring is what is asked for now, it
 * succeeded (its condition is True), and its drift check is not due.
 */
function alreadyWired(stored: MetroXServiceStatus | undefined, piece: 'database' | 'broker', hash: string, now: Date, periodMs: number, uid: string): { record: WiringRecord; condition: ConditionInput } | undefined {
  const record = stored?.wiring?.[piece];
  if (record?.hash !== hash) return undefined;
  const type = piece === 'database' ? 'DatabaseReady' : 'BrokerReady';
  const previous = stored?.conditions?.find((c) => c.type === type);
  if (previous?.status !== 'True') return undefined;
  if (now.getTime() >= verificationDueAt(record, periodMs, uid, piece)) return undefined;
  return { record, condition: { type, status: previous.status, reason: previous.reason, message: previous.message } };
}

/** The digest of a database wiring: its names, owner, and the password (by the digest the cache holds). */
export function databaseWiringHash(mxs: MetroXService, passwordDigest: string): string {
  const db = databaseName(mxs.metadata.name, mxs.spec);
  return wiringHash({ database: db, role: db, owner: ownerKey(mxs), password: passwordDigest });
}

/** `passwordDigest`: the digest of the database Secret's password as cached, undefined without a Secret. */
export function databaseStep(mxs: MetroXService, config: DecideConfig, passwordDigest: string | undefined, now: Date): WiringStep<DatabaseWiring> {
  if (mxs.spec.database === undefined) return { kind: 'none', condition: condition('DatabaseReady', true, 'NoDatabase', 'The service asks for no database.') };
  if (config.postgres === undefined) {
    return { kind: 'none', condition: condition('DatabaseReady', false, 'DatabaseNotConfigured', 'The operator has no platform Postgres configured: set METROX_POSTGRES_ADMIN_URL on the operator.') };
  }
  const db = databaseName(mxs.metadata.name, mxs.spec);
  const wiring = { database: db, role: db, createSecret: passwordDigest === undefined };
  if (passwordDigest === undefined) return { kind: 'wire', hash: '', wiring };
  const hash = databaseWiringHash(mxs, passwordDigest);
  const done = alreadyWired(mxs.status, 'database', hash, now, config.driftCheckSeconds * 1000, mxs.metadata.uid ?? '');
  if (done !== undefined) return { kind: 'done', ...done };
  return { kind: 'wire', hash, wiring };
}

export function brokerStep(mxs: MetroXService, config: DecideConfig, now: Date): WiringStep<BrokerWiring> {
  const { broker } = config;
  if (!wantsBroker(mxs, config) || broker === undefined) {
    if (broker === undefined && (mxs.spec.events.subscribes.length > 0 || mxs.spec.events.publishes.length > 0)) {
      return { kind: 'none', condition: condition('BrokerReady', false, 'BrokerNotConfigured', 'The operator has no platform broker configured: set METROX_AMQP_ADMIN_URL on the operator.') };
    }
    return { kind: 'none', condition: condition('BrokerReady', true, 'NoEvents', 'The service publishes and consumes no events.') };
  }
  const subscribes = [...mxs.spec.events.subscribes].sort();
  const wiring: BrokerWiring = { exchange: broker.exchange, queue: subscribes.length === 0 ? '' : queueName(mxs), subscribes, previouslyBound: mxs.status?.broker?.boundTypes ?? [], retry: retryPolicyOf(mxs.spec.env) };
  const hash = wiringHash({ exchange: wiring.exchange, queue: wiring.queue, subscribes, retry: wiring.retry, owner: ownerKey(mxs) });
  const done = alreadyWired(mxs.status, 'broker', hash, now, config.driftCheckSeconds * 1000, mxs.metadata.uid ?? '');
  if (done !== undefined) return { kind: 'done', ...done };
  return { kind: 'wire', hash, wiring };
}

/** The condition a successful broker wiring reports. */
export function brokerReady(wiring: BrokerWiring): ConditionInput {
  if (wiring.queue === '') return condition('BrokerReady', true, 'TopologyDeclared', `Exchange ${wiring.exchange} exists; the service subscribes to nothing.`);
  return condition('BrokerReady', true, 'TopologyDeclared', `Queue ${wiring.queue} (quorum, dead letters in ${wiring.queue}.dlq) is bound to ${wiring.subscribes.join(', ')} on ${wiring.exchange}.`);
}

export function databaseReady(wiring: DatabaseWiring, secretName: string): ConditionInput {
  return condition('DatabaseReady', true, 'DatabaseProvisioned', `Database ${wiring.database} and its role exist; credentials are in Secret ${secretName}.`);
}

/** How a wiring attempt ended, as the apply step reports it. */
export type WiringOutcome =
  | { ok: true; record: WiringRecord }
  | { ok: false; condition: ConditionInput; retry: boolean };

export function databaseFailed(reason: 'DatabaseUnreachable' | 'DatabaseError' | 'DatabaseOwnedByAnotherService', message: string): ConditionInput {
  if (reason === 'DatabaseOwnedByAnotherService') return condition('DatabaseReady', false, 'DatabaseOwnedByAnotherService', message);
  return condition('DatabaseReady', false, reason, `Could not prepare the database: ${message}. The operator retries with backoff.`);
}

export function brokerFailed(reason: 'BrokerUnreachable' | 'QueueOwnedByAnotherService', message: string): ConditionInput {
  if (reason === 'QueueOwnedByAnotherService') return condition('BrokerReady', false, 'QueueOwnedByAnotherService', message);
  return condition('BrokerReady', false, 'BrokerUnreachable', `Could not declare the broker topology: ${message}. The operator retries with backoff.`);
}

function ownerKey(mxs: MetroXService): string {
  return `${mxs.metadata.namespace ?? ''}/${mxs.metadata.name}`;
}

/** How long until the earliest recorded wiring's drift check, or undefined when nothing is wired. */
export function nextVerificationInMs(mxs: MetroXService, wiring: NonNullable<MetroXServiceStatus['wiring']>, periodMs: number, now: Date): number | undefined {
  const uid = mxs.metadata.uid ?? '';
  const due = (['database', 'broker'] as const).flatMap((piece) => {
    const record = wiring[piece];
    return record === undefined ? [] : [verificationDueAt(record, periodMs, uid, piece) - now.getTime()];
  });
  return due.length === 0 ? undefined : Math.max(0, Math.min(...due));
}

// ---- Children: what to write and what to delete ----

/** Children the spec (or the cluster's APIs) may drop: deleted when no longer rendered. */
export function optionalChildren(name: string): { kind: ResourceKind; name: string }[] {
  return [
    { kind: kinds.HorizontalPodAutoscaler, name },
    { kind: kinds.PodDisruptionBudget, name },
    { kind: kinds.ConfigMap, name: childNames.dashboard(name) },
    { kind: kinds.ConfigMap, name: childNames.sloRules(name) },
    { kind: kinds.PrometheusRule, name },
  ];
}

/** A rendered child and its live copy (undefined: to be created). */
export interface ChildWrite {
  desired: DesiredObject;
  live: KubeObject | undefined;
}

/**
 * The children to write: missing ones, and those where a rendered field differs
 * from the live object (or the render changed: the rendered-hash annotation).
 */
export function childWrites(desired: DesiredObject[], live: (kind: ResourceKind, name: string) => KubeObject | undefined): ChildWrite[] {
  return desired.flatMap((object) => {
    const current = live(kindOf(object, kinds), object.metadata.name);
    // List items carry no apiVersion/kind: compare the rest.
    const { apiVersion: _apiVersion, kind: _kind, ...fields } = comparableDesired(object);
    return current !== undefined && contains(current, fields) ? [] : [{ desired: object, live: current }];
  });
}

/** Optional children that exist, are this service's, and are no longer rendered. */
export function childDeletions(mxs: MetroXService, desired: DesiredObject[], live: (kind: ResourceKind, name: string) => KubeObject | undefined): { kind: ResourceKind; name: string }[] {
  const { name, uid } = mxs.metadata;
  return optionalChildren(name).filter(({ kind, name: childName }) => {
    const object = live(kind, childName);
    if (object === undefined || desired.some((d) => d.kind === kind.kind && d.metadata.name === childName)) return false;
    return (object.metadata.ownerReferences ?? []).some((o) => o.uid === uid);
  });
}

// ---- Status ----

interface DeploymentStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

export function availability(mxs: MetroXService, deploymentExists: boolean, status: DeploymentStatus): ConditionInput {
  if (!deploymentExists) return condition('Available', false, 'DeploymentMissing', 'The Deployment has not been created yet.');
  if (mxs.spec.replicas === 0) return condition('Available', true, 'ScaledToZero', 'spec.replicas is 0.');
  const available = status.conditions?.find((c) => c.type === 'Available');
  if (available?.status === 'True' && (status.readyReplicas ?? 0) > 0) {
    return condition('Available', true, 'MinimumReplicasAvailable', `${status.readyReplicas ?? 0} ready replicas.`);
  }
  return condition('Available', false, available?.reason ?? 'DeploymentProgressing', available?.message ?? `Waiting for Pods of Deployment ${mxs.metadata.name} to become ready (${status.readyReplicas ?? 0} ready). Check the Pods' events if this persists.`);
}

export interface StatusInputs {
  observed: Observed;
  database: { condition: ConditionInput; record?: WiringRecord | undefined };
  broker: { condition: ConditionInput; record?: WiringRecord | undefined; wiring?: BrokerWiring | undefined };
  /** Why the children could not be applied, or undefined. */
  applyError: string | undefined;
  /** The Deployment was created by this reconcile (the cache may not have it yet). */
  deploymentCreated: boolean;
}

/** The observed status and the conditions (Ready is added by nextStatus). */
export function statusOf({ observed, database, broker, applyError, deploymentCreated }: StatusInputs): { status: MetroXServiceStatus; conditions: ConditionInput[] } {
  const { mxs, deployment } = observed;
  const { name } = mxs.metadata;
  const status: MetroXServiceStatus = { selector: selectorString(name) };
  if (database.condition.status === 'True' && database.record !== undefined && mxs.spec.database !== undefined) {
    status.database = { name: databaseName(name, mxs.spec), secretName: childNames.databaseSecret(name) };
  }
  if (broker.condition.status === 'True' && broker.record !== undefined) {
    status.broker = broker.wiring !== undefined
      ? { queue: broker.wiring.queue, boundTypes: broker.wiring.subscribes }
      : { queue: mxs.status?.broker?.queue ?? '', boundTypes: mxs.status?.broker?.boundTypes ?? [] };
  }
  const wiring: NonNullable<MetroXServiceStatus['wiring']> = {};
  if (database.record !== undefined) wiring.database = database.record;
  if (broker.record !== undefined) wiring.broker = broker.record;
  if (wiring.database !== undefined || wiring.broker !== undefined) status.wiring = wiring;

  const dashboard = mxs.spec.observability.dashboard
    ? condition('DashboardReady', true, 'DashboardProvisioned', `Dashboard ConfigMap ${childNames.dashboard(name)} is labelled grafana_dashboard=1 for Grafana's sidecar.`)
    : condition('DashboardReady', true, 'DashboardDisabled', 'spec.observability.dashboard is false.');
  if (mxs.spec.observability.dashboard) status.dashboard = { configMapName: childNames.dashboard(name) };

  const deploymentStatus = (deployment?.status ?? {}) as DeploymentStatus;
  status.replicas = deploymentStatus.replicas ?? 0;
  status.readyReplicas = deploymentStatus.readyReplicas ?? 0;
  const available = applyError === undefined
    ? availability(mxs, deployment !== undefined || deploymentCreated, deploymentStatus)
    : condition('Available', false, 'ApplyFailed', `Could not apply the workload: ${applyError}. The operator retries with backoff.`);
  return { status, conditions: [available, database.condition, broker.condition, dashboard] };
}
