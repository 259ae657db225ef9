// Conditions: computed fresh each reconcile, merged with the stored ones so
// lastTransitionTime only moves when the status does. Pure.
import type { Condition, ConditionType, MetroXServiceStatus } from '../api/metroxservice.ts';
import { canonicalJson } from '../render/canonical-json.ts';

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
