// Conditions: computed fresh each reconcile, merged with the stored ones so
// lastTransitionTime only moves when the status does. Pure.
import type { Condition, ConditionType, MetroXServiceStatus } from '../api/metroxservice.ts';

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function condition(type: ConditionType, ok: boolean, reason: string, message: string): ConditionInput {
  return { type, status: ok ? 'True' : 'False', reason, message };
}

export function mergeConditions(previous: Condition[] | undefined, next: ConditionInput[], generation: number, now: string): Condition[] {
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = old?.status === c.status ? old.lastTransitionTime : now;
    return { ...c, observedGeneration: generation, lastTransitionTime };
  });
}

/** Ready summarises every other condition. */
export function readyCondition(others: ConditionInput[]): ConditionInput {
  const failing = others.filter((c) => c.status !== 'True');
  if (failing.length === 0) return condition('Ready', true, 'Reconciled', 'All dependencies are ready and the Deployment is available.');
  const first = failing[0];
  return condition('Ready', false, first?.reason ?? 'NotReady', failing.map((c) => `${c.type}: ${c.message}`).join(' '));
}

/** Available=False while the Deployment rolls out: expected after every creation, not news. */
const rolloutReasons = new Set(['DeploymentMissing', 'DeploymentProgressing', 'MinimumReplicasUnavailable']);

/**
 * Conditions worth an Event: one whose status changed. A new resource has no earlier
 * status to change from; its first status is reported only where something needs a
 * person (a dependency or the workload failing from the start), so creating a service
 * leaves no Warning behind, and the Event that says it works comes when Ready turns True.
 */
export function transitions(previous: Condition[] | undefined, next: Condition[]): Condition[] {
  return next.filter((c) => {
    const old = previous?.find((p) => p.type === c.type);
    if (old !== undefined) return old.status !== c.status;
    // Ready only summarises the others, which get their own Event.
    return c.status === 'False' && c.type !== 'Ready' && !(c.type === 'Available' && rolloutReasons.has(c.reason));
  });
}

/** Array-index keys, which JavaScript objects keep first and in numeric order. */
function isIndexKey(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/**
 * An object's keys in the order JSON.stringify gives a copy built with sorted keys:
 * array-index keys first in numeric order (where Object.keys already has them), then
 * the others sorted.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  let indexKeys = 0;
  while (indexKeys < keys.length && isIndexKey(keys[indexKeys] ?? '')) indexKeys++;
  if (indexKeys === 0) return keys.sort();
  return [...keys.slice(0, indexKeys), ...keys.slice(indexKeys).sort()];
}

function canonical(value: unknown): string | undefined {
  let v = value;
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: () => unknown }).toJSON();
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((item) => canonical(item) ?? 'null').join(',')}]`;
      const record = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of sortedKeys(record)) {
        const text = canonical(record[key]);
        if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      // undefined, functions and symbols: left out, as JSON.stringify does.
      return undefined;
  }
}

/**
 * JSON with sorted keys: the API server returns stored maps in its own key order.
 * Byte for byte what JSON.stringify gives for the same value with every object's
 * keys sorted (rendered-hash annotations depend on it), without building the
 * sorted copies.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value) ?? 'undefined';
}

function comparable(status: MetroXServiceStatus | undefined): string {
  return canonicalJson(status ?? {});
}

export function statusEqual(a: MetroXServiceStatus | undefined, b: MetroXServiceStatus): boolean {
  return comparable(a) === comparable(b);
}

/**
 * The status to write after a reconcile, or undefined when it equals the stored
 * one (so a converged resource costs no write). Ready is appended as the summary
 * of `conditions`. Pure.
 */
export function nextStatus(stored: MetroXServiceStatus | undefined, observed: MetroXServiceStatus, conditions: ConditionInput[], generation: number, now: string): MetroXServiceStatus | undefined {
  const all = [...conditions, readyCondition(conditions)];
  const merged = mergeConditions(stored?.conditions, all, generation, now);
  const next: MetroXServiceStatus = { ...observed, observedGeneration: generation, conditions: merged };
  return statusEqual(stored, next) ? undefined : next;
}
