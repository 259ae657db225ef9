// Leader election on a coordination.k8s.io Lease, as client-go does it: acquire
// when the lease is free or expired, renew well before it expires, step down
// (and stop writing) the moment a renewal fails, release on shutdown.
import { KubeApiError, type KubeClient } from './kube-client.ts';
import { kinds, objectPath, collectionPath } from './resources.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewEverySeconds?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface Lease {
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

export class LeaderElector {
  readonly #client: KubeClient;
  readonly #options: Required<LeaderElectionOptions>;
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.#client = client;
    this.#options = { leaseDurationSeconds: 15, renewEverySeconds: 2, ...options };
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Read through a method: release() flips the flag while a tick awaits. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    void this.#tick();
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    let ok: boolean;
    try {
      ok = await this.#tryAcquireOrRenew();
    } catch {
      ok = false;
    }
    if (ok && !this.#leading) {
      this.#leading = true;
      this.#options.onStartedLeading();
    } else if (!ok && this.#leading) {
      this.#leading = false;
      this.#options.onStoppedLeading();
    }
    if (!this.#isStopped()) this.#timer = setTimeout(() => void this.#tick(), this.#options.renewEverySeconds * 1000);
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.#options;
    const path = objectPath(kinds.Lease, namespace, name);
    const now = new Date();
    let lease: Lease | undefined;
    try {
      lease = await this.#client.get<Lease>(path);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
    if (lease === undefined) {
      await this.#client.request('POST', collectionPath(kinds.Lease, namespace), {
        apiVersion: kinds.Lease.apiVersion,
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      });
      return true;
    }
    if (!canAcquire(lease.spec, identity, now)) return false;
    const transition = lease.spec.holderIdentity !== identity;
    // PUT with the read resourceVersion: a concurrent writer makes this fail with 409.
    await this.#client.request('PUT', path, {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: microTime(now),
        acquireTime: transition ? microTime(now) : lease.spec.acquireTime,
        leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (transition ? 1 : 0),
      },
    });
    return true;
  }

  /** Stop renewing; when leading, hand the lease back so a standby takes over at once. */
  async release(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (!this.#leading) return;
    this.#leading = false;
    const path = objectPath(kinds.Lease, this.#options.namespace, this.#options.name);
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
