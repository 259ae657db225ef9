// Leader election on a coordination.k8s.io Lease, as client-go does it: acquire
// when the lease is free or expired, renew well before it expires, step down
// (and stop writing) the moment a renewal fails, release on shutdown.
import { KubeApiError, type KubeClient } from './kube-client.ts';
import { builtinKinds, objectPath, collectionPath } from './resources.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  /** A leader that could not renew for this long steps down. */
  renewDeadlineSeconds?: number;
  renewEverySeconds?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

export interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string | null; leaseDurationSeconds?: number; acquireTime?: string | null; renewTime?: string | null; leaseTransitions?: number };
}

function microTime(date: Date): string {
  return date.toISOString().replace('Z', '000Z');
}

/** Whether a lease held by someone else may be taken now (pure). */
export function canAcquire(lease: Lease['spec'], identity: string, now: Date): boolean {
  if (lease.holderIdentity === undefined || lease.holderIdentity === null || lease.holderIdentity === '' || lease.holderIdentity === identity) return true;
  if (lease.renewTime === undefined || lease.renewTime === null) return true;
  return new Date(lease.renewTime).getTime() + (lease.leaseDurationSeconds ?? 15) * 1000 < now.getTime();
}

export type LeaseDecision =
  | { action: 'create'; spec: Lease['spec'] }
  | { action: 'update'; spec: Lease['spec']; transition: boolean }
  | { action: 'wait' };

/**
 * What one election round does with the lease it read (pure): create it when it
 * is missing, renew it when held, take it over when free or expired (counting a
 * transition), or wait while someone else holds a live lease.
 */
export function decideLease(lease: Lease['spec'] | undefined, identity: string, now: Date, leaseDurationSeconds: number): LeaseDecision {
  if (lease === undefined) {
    return { action: 'create', spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 } };
  }
  if (!canAcquire(lease, identity, now)) return { action: 'wait' };
  const transition = lease.holderIdentity !== identity;
  return {
    action: 'update',
    transition,
    spec: {
      ...lease,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: microTime(now),
      acquireTime: transition ? microTime(now) : lease.acquireTime,
      leaseTransitions: (lease.leaseTransitions ?? 0) + (transition ? 1 : 0),
    },
  };
}

/** How one election round went. */
export type RoundOutcome = 'held' | 'heldByOther' | 'failed';

/**
 * Whether this replica leads after a round (pure). A failed renewal (API server
 * restarting, network) keeps a leader leading until the renew deadline: the lease
 * is still valid, so no standby can take over meanwhile. Seeing someone else hold
 * the lease ends leadership at once.
 */
export function leadingAfter(outcome: RoundOutcome, leading: boolean, lastRenewedAtMs: number | undefined, nowMs: number, renewDeadlineMs: number): boolean {
  if (outcome === 'held') return true;
  if (outcome === 'heldByOther' || !leading || lastRenewedAtMs === undefined) return false;
  return nowMs - lastRenewedAtMs < renewDeadlineMs;
}

export class LeaderElector {
  readonly #client: KubeClient;
  readonly #options: Required<LeaderElectionOptions>;
  #leading = false;
  #lastRenewedAtMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.#client = client;
    this.#options = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, renewEverySeconds: 2, ...options };
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Read through a method: release() flips the flag while a tick awaits. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  /** A hung request must fail well inside the renew deadline. */
  #requestTimeoutMs(): number {
    return Math.max(1000, (this.#options.renewDeadlineSeconds * 1000) / 2);
  }

  start(): void {
    void this.#tick();
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    let outcome: RoundOutcome;
    try {
      outcome = (await this.#tryAcquireOrRenew()) ? 'held' : 'heldByOther';
    } catch {
      outcome = 'failed';
    }
    if (this.#isStopped()) return;
    const now = Date.now();
    if (outcome === 'held') this.#lastRenewedAtMs = now;
    const leading = leadingAfter(outcome, this.#leading, this.#lastRenewedAtMs, now, this.#options.renewDeadlineSeconds * 1000);
    if (leading && !this.#leading) {
      this.#leading = true;
      this.#options.onStartedLeading();
    } else if (!leading && this.#leading) {
      this.#leading = false;
      this.#options.onStoppedLeading();
    }
    if (!this.#isStopped()) this.#timer = setTimeout(() => void this.#tick(), this.#options.renewEverySeconds * 1000);
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.#options;
    const path = objectPath(builtinKinds.Lease, namespace, name);
    const now = new Date();
    let lease: Lease | undefined;
    try {
      lease = await this.#client.request<Lease>('GET', path, undefined, 'application/json', this.#requestTimeoutMs());
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
    const decision = decideLease(lease?.spec, identity, now, leaseDurationSeconds);
    if (decision.action === 'wait') return false;
    if (decision.action === 'create' || lease === undefined) {
      await this.#client.request('POST', collectionPath(builtinKinds.Lease, namespace), {
        apiVersion: builtinKinds.Lease.apiVersion,
        kind: 'Lease',
        metadata: { name, namespace },
        spec: decision.spec,
      }, 'application/json', this.#requestTimeoutMs());
      return true;
    }
    // PUT with the read resourceVersion: a concurrent writer makes this fail with 409.
    await this.#client.request('PUT', path, { ...lease, spec: decision.spec }, 'application/json', this.#requestTimeoutMs());
    return true;
  }

  /** Stop renewing; when leading, hand the lease back so a standby takes over at once. */
  async release(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (!this.#leading) return;
    this.#leading = false;
    const path = objectPath(builtinKinds.Lease, this.#options.namespace, this.#options.name);
    try {
      const lease = await this.#client.get<Lease>(path);
      if (lease.spec.holderIdentity === this.#options.identity) {
        await this.#client.request('PUT', path, { ...lease, spec: { ...lease.spec, holderIdentity: null, renewTime: null, acquireTime: null, leaseDurationSeconds: 1 } });
      }
    } catch {
      // The lease expires by itself.
    }
  }
}
