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

/** Transitions worth an Event: a condition that is new or changed status. */
export function transitions(previous: Condition[] | undefined, next: Condition[]): Condition[] {
  return next.filter((c) => {
    const old = previous?.find((p) => p.type === c.type);
    // A first status reports through Ready alone: one Event per new resource, not five.
    if (old === undefined) return c.type === 'Ready';
    return old.status !== c.status;
  });
}

/** JSON with sorted keys: the API server returns stored maps in its own key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const record = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
  });
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
