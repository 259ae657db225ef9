// The MetroXService reconciler: observe (caches) → decide (pure) → apply. It keeps
// nothing between reconciles: what it wired outside Kubernetes is recorded in the
// status (status.wiring) and compared on the next pass, so a converged resource
// costs no API request, SQL statement or broker connection until its drift check
// is due. Errors go back to the queue with context.
import { renderChildren } from '../render/index.ts';
import { passwordData } from '../render/database-secret.ts';
import type { Reconcile, ReconcileContext, ReconcileResult } from '../runtime/controller.ts';
import { errorMessage } from '../runtime/log.ts';
import { nextStatus } from './conditions.ts';
import { addFinalizer, deleteChildren, finalize, wireBroker, wireDatabase, writeChildren, writeStatus, type ApplyDeps, type Wired } from './apply.ts';
import { brokerStep, childDeletions, childWrites, databaseStep, firstStep, nextVerificationInMs, renderContext, statusOf, type WiringStep } from './decide.ts';
import { observe } from './observe.ts';

export interface ReconcilerDeps extends ApplyDeps {
  /** Whether the Prometheus Operator's ServiceMonitor API is served right now. */
  serviceMonitors: () => boolean;
}

/** Runs one piece of wiring when decide asked for it; a skipped one keeps its record. */
async function wire<T>(step: WiringStep<T>, run: (wiring: T, hash: string) => Promise<Wired>): Promise<Wired> {
  if (step.kind === 'none') return { condition: step.condition };
  if (step.kind === 'done') return { condition: step.condition, record: step.record };
  return run(step.wiring, step.hash);
}

export function metroxServiceReconciler(deps: ReconcilerDeps): Reconcile {
  const { config } = deps;
  return async (key: string, context: ReconcileContext): Promise<ReconcileResult | undefined> => {
    const now = new Date();
    const observed = observe(key, context, deps.serviceMonitors(), now);
    const step = firstStep(observed?.mxs, config);
    if (observed === undefined || step === 'forget') return undefined;
    const { mxs } = observed;
    if (step === 'finalize') {
      await finalize(context, deps, mxs);
      return undefined;
    }
    if (step === 'addFinalizer') {
      await addFinalizer(context, mxs);
      return undefined; // The update comes back through the informer.
    }

    const databasePlan = databaseStep(mxs, config, passwordData(observed.databaseSecret), now);
    const brokerPlan = brokerStep(mxs, config, now);
    const database = await wire(databasePlan, (wiring) => wireDatabase(context, deps, mxs, wiring, now));
    const broker = await wire(brokerPlan, (wiring, hash) => wireBroker(deps, mxs, wiring, hash, now));

    const desired = renderChildren(mxs, renderContext(mxs, config, observed.serviceMonitors));
    const namespace = mxs.metadata.namespace ?? '';
    // A child the API server refuses is reported in status, then retried with backoff.
    let created = new Set<string>();
    let applyError: unknown;
    try {
      created = await writeChildren(context, deps, mxs, childWrites(desired, observed.child));
      await deleteChildren(context, namespace, childDeletions(mxs, desired, observed.child));
    } catch (error) {
      applyError = error;
    }

    const { status, conditions } = statusOf({
      observed,
      database,
      broker: { ...broker, wiring: brokerPlan.kind === 'wire' ? brokerPlan.wiring : undefined },
      applyError: applyError === undefined ? undefined : errorMessage(applyError),
      deploymentCreated: created.has(`Deployment/${mxs.metadata.name}`),
    });
    const next = nextStatus(mxs.status, status, conditions, mxs.metadata.generation ?? 0, now.toISOString().replace(/\.\d+Z$/, 'Z'));
    if (next !== undefined) await writeStatus(context, deps, mxs, next, now);

    const failures = [database.error, broker.error, applyError].filter((e) => e !== undefined);
    if (failures.length > 0) throw new AggregateError(failures, `${key}: ${failures.map(errorMessage).join('; ')}`);
    // The drift check comes due even when nothing else queues this resource.
    // (A period of 0 verifies on every reconcile instead, resyncs included.)
    const dueInMs = status.wiring === undefined || config.driftCheckSeconds === 0 ? undefined : nextVerificationInMs(mxs, status.wiring, config.driftCheckSeconds * 1000, now);
    return dueInMs === undefined ? undefined : { requeueAfterMs: dueInMs + 1000 };
  };
}
