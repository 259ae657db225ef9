import { describe, expect, it } from 'vitest';
import { withDefaults } from '../api/defaults.ts';
import type { MetroXService, MetroXServiceSpecInput, MetroXServiceStatus } from '../api/metroxservice.ts';
import { loadOperatorConfig } from '../install/configuration.ts';
import { childDeletions, brokerStep, databaseStep, driftJitterMs, firstStep, nextVerificationInMs, verificationDueAt } from './decide.ts';
import { kinds } from './kinds.ts';

const config = loadOperatorConfig({ METROX_POSTGRES_ADMIN_URL: 'postgres://admin:pw@pg:5432/postgres', METROX_AMQP_ADMIN_URL: 'amqp://guest:guest@mq:5672', METROX_DRIFT_CHECK_SECONDS: '600' });
const t0 = new Date('2026-01-01T00:00:00Z');
const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);

function service(spec: MetroXServiceSpecInput, status?: MetroXServiceStatus, finalizers = ['metrox.io/cleanup']): MetroXService {
  return { apiVersion: 'metrox.io/v1alpha1', kind: 'MetroXService', metadata: { name: 'payment', namespace: 'shop', uid: 'uid-1', generation: 1, finalizers }, spec: withDefaults(spec), ...(status === undefined ? {} : { status }) };
}

const spec: MetroXServiceSpecInput = { image: 'img:1', database: { name: 'payments' }, events: { publishes: ['PaymentConfirmed'], subscribes: ['TransactionCreated'] } };

/** The status a successful wiring at `at` leaves behind. */
function wiredAt(at: Date): MetroXServiceStatus {
  const database = databaseStep(service(spec), config, 'sha256:password', at);
  const broker = brokerStep(service(spec), config, at);
  if (database.kind !== 'wire' || broker.kind !== 'wire') throw new Error('expected wiring to be asked for');
  const verifiedAt = at.toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    wiring: { database: { hash: database.hash, verifiedAt }, broker: { hash: broker.hash, verifiedAt } },
    conditions: [
      { type: 'DatabaseReady', status: 'True', reason: 'DatabaseProvisioned', message: 'ok', lastTransitionTime: verifiedAt },
      { type: 'BrokerReady', status: 'True', reason: 'TopologyDeclared', message: 'ok', lastTransitionTime: verifiedAt },
    ],
    broker: { queue: 'payment', boundTypes: ['TransactionCreated'] },
  };
}

describe('database wiring', () => {
  it('is asked for, creating the Secret, when no Secret exists yet', () => {
    const step = databaseStep(service(spec), config, undefined, t0);
    expect(step).toMatchObject({ kind: 'wire', wiring: { database: 'payments', role: 'payments', createSecret: true } });
  });

  it('is skipped when the recorded wiring matches and its drift check is not due', () => {
    const step = databaseStep(service(spec, wiredAt(t0)), config, 'sha256:password', minutes(9));
    expect(step).toMatchObject({ kind: 'done', condition: { type: 'DatabaseReady', status: 'True', reason: 'DatabaseProvisioned' } });
  });

  it('is asked for again once the drift-check period (and its spread) passed', () => {
    expect(databaseStep(service(spec, wiredAt(t0)), config, 'sha256:password', minutes(12)).kind).toBe('wire');
  });

  it('is asked for again when the Secret holds another password than the one wired (by its digest)', () => {
    expect(databaseStep(service(spec, wiredAt(t0)), config, 'sha256:rotated', minutes(1)).kind).toBe('wire');
  });

  it('is asked for again while the last attempt failed, whatever was recorded', () => {
    const status = wiredAt(t0);
    status.conditions = status.conditions?.map((c) => (c.type === 'DatabaseReady' ? { ...c, status: 'False', reason: 'DatabaseUnreachable' } : c));
    expect(databaseStep(service(spec, status), config, 'sha256:password', minutes(1)).kind).toBe('wire');
  });

  it('reports DatabaseNotConfigured without an admin URL and NoDatabase without spec.database', () => {
    expect(databaseStep(service(spec), loadOperatorConfig({}), undefined, t0)).toMatchObject({ kind: 'none', condition: { status: 'False', reason: 'DatabaseNotConfigured' } });
    expect(databaseStep(service({ image: 'img:1' }), config, undefined, t0)).toMatchObject({ kind: 'none', condition: { status: 'True', reason: 'NoDatabase' } });
  });
});

describe('broker wiring', () => {
  it('is skipped when the recorded topology matches and its drift check is not due', () => {
    expect(brokerStep(service(spec, wiredAt(t0)), config, minutes(5)).kind).toBe('done');
  });

  it('is asked for at once when the subscriptions change, unbinding what was bound before', () => {
    const changed = service({ ...spec, events: { publishes: [], subscribes: ['RefundRequested'] } }, wiredAt(t0));
    expect(brokerStep(changed, config, minutes(1))).toMatchObject({ kind: 'wire', wiring: { queue: 'payment', subscribes: ['RefundRequested'], previouslyBound: ['TransactionCreated'] } });
  });

  it('declares only the exchange for a service that publishes without subscribing', () => {
    expect(brokerStep(service({ image: 'img:1', events: { publishes: ['A'], subscribes: [] } }), config, t0)).toMatchObject({ kind: 'wire', wiring: { queue: '', subscribes: [] } });
  });

  it('reports BrokerNotConfigured without an AMQP URL and NoEvents for a service without events', () => {
    expect(brokerStep(service(spec), loadOperatorConfig({}), t0)).toMatchObject({ kind: 'none', condition: { status: 'False', reason: 'BrokerNotConfigured' } });
    expect(brokerStep(service({ image: 'img:1' }), config, t0)).toMatchObject({ kind: 'none', condition: { status: 'True', reason: 'NoEvents' } });
  });
});

describe('drift-check timing', () => {
  it('spreads services over up to a fifth of the period, the same way every time for one service', () => {
    const period = 600_000;
    const spreads = Array.from({ length: 200 }, (_, i) => driftJitterMs(period, `uid-${i}`, 'database'));
    expect(Math.min(...spreads)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...spreads)).toBeLessThan(period * 0.2);
    expect(new Set(spreads).size).toBeGreaterThan(150);
    expect(driftJitterMs(period, 'uid-7', 'database')).toBe(spreads[7]);
  });

  it('comes due after the period plus the spread, and the earliest piece sets the next requeue', () => {
    const status = wiredAt(t0);
    const wiring = status.wiring ?? {};
    const databaseDue = verificationDueAt(wiring.database ?? { hash: '', verifiedAt: '' }, 600_000, 'uid-1', 'database');
    const brokerDue = verificationDueAt(wiring.broker ?? { hash: '', verifiedAt: '' }, 600_000, 'uid-1', 'broker');
    expect(databaseDue - t0.getTime()).toBeGreaterThanOrEqual(600_000);
    expect(nextVerificationInMs(service(spec, status), wiring, 600_000, t0)).toBe(Math.min(databaseDue, brokerDue) - t0.getTime());
    expect(nextVerificationInMs(service(spec, status), {}, 600_000, t0)).toBeUndefined();
  });
});

describe('the first step', () => {
  it('adds the finalizer before wiring, finalizes a deleted service holding it, and forgets one without it', () => {
    expect(firstStep(service(spec, undefined, []), config)).toBe('addFinalizer');
    expect(firstStep(service(spec), config)).toBe('reconcile');
    const deleting = service(spec);
    deleting.metadata.deletionTimestamp = t0.toISOString();
    expect(firstStep(deleting, config)).toBe('finalize');
    deleting.metadata.finalizers = [];
    expect(firstStep(deleting, config)).toBe('forget');
    expect(firstStep(undefined, config)).toBe('forget');
  });
});

describe('children to delete', () => {
  it('are the optional children no longer rendered that this service owns', () => {
    const mxs = service(spec);
    const owned = (uid: string) => ({ metadata: { name: 'x', ownerReferences: [{ apiVersion: 'metrox.io/v1alpha1', kind: 'MetroXService', name: 'payment', uid, controller: true }] } });
    const live = (kind: { kind: string }, name: string) => {
      if (kind.kind === 'HorizontalPodAutoscaler' && name === 'payment') return owned('uid-1');
      if (kind.kind === 'PodDisruptionBudget' && name === 'payment') return owned('someone-else');
      if (kind.kind === 'ConfigMap' && name === 'payment-dashboard') return owned('uid-1');
      return undefined;
    };
    const rendered = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'payment-dashboard', namespace: 'shop' } }];
    expect(childDeletions(mxs, rendered, live)).toEqual([{ kind: kinds.HorizontalPodAutoscaler, name: 'payment' }]);
  });
});
