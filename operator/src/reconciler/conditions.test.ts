import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../api/defaults.ts';
import type { Condition } from '../api/metroxservice.ts';
import { renderChildren } from '../render/index.ts';
import { canonicalJson } from '../render/canonical-json.ts';
import { condition, mergeConditions, nextStatus, readyCondition, transitions } from './conditions.ts';

const t0 = '2026-01-01T00:00:00Z';
const t1 = '2026-01-01T00:05:00Z';

const healthy = [
  condition('Available', true, 'MinimumReplicasAvailable', '2 ready replicas.'),
  condition('DatabaseReady', true, 'DatabaseProvisioned', 'Database payment exists.'),
  condition('BrokerReady', true, 'TopologyDeclared', 'Queue payment is bound.'),
  condition('DashboardReady', true, 'DashboardProvisioned', 'Dashboard exists.'),
];

describe('readyCondition', () => {
  it('is True when every other condition is True', () => {
    expect(readyCondition(healthy)).toMatchObject({ type: 'Ready', status: 'True', reason: 'Reconciled' });
  });

  it('is False with the first failing reason and every failing message', () => {
    const broken = [...healthy];
    broken[1] = condition('DatabaseReady', false, 'DatabaseUnreachable', 'Postgres is down.');
    broken[2] = condition('BrokerReady', false, 'BrokerNotConfigured', 'No broker.');
    const ready = readyCondition(broken);
    expect(ready).toMatchObject({ type: 'Ready', status: 'False', reason: 'DatabaseUnreachable' });
    expect(ready.message).toBe('DatabaseReady: Postgres is down. BrokerReady: No broker.');
  });
});

describe('condition reasons', () => {
  it('are CamelCase everywhere decide and apply set one', () => {
    const source = ['./decide.ts', './apply.ts'].map((file) => readFileSync(new URL(file, import.meta.url), 'utf8')).join('\n');
    const reasons = [...source.matchAll(/condition\('\w+', [^,]+, '([^']*)'/g)].map((m) => m[1] ?? '');
    reasons.push(...[...source.matchAll(/(?:database|broker)Failed\('(\w+)'/g)].map((m) => m[1] ?? ''));
    reasons.push(readyCondition(healthy).reason);
    expect(reasons.length).toBeGreaterThan(10);
    for (const reason of reasons) expect(reason).toMatch(/^[A-Z][a-zA-Z0-9]*$/);
  });
});

describe('mergeConditions', () => {
  it('stamps a new condition with now and the generation', () => {
    const [merged] = mergeConditions(undefined, [condition('Available', true, 'MinimumReplicasAvailable', 'ok')], 3, t0);
    expect(merged).toEqual({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok', observedGeneration: 3, lastTransitionTime: t0 });
  });

  it('keeps lastTransitionTime while the status stays, even when reason or message change', () => {
    const first = mergeConditions(undefined, [condition('Available', false, 'DeploymentProgressing', '0 ready')], 1, t0);
    const [second] = mergeConditions(first, [condition('Available', false, 'ProgressDeadlineExceeded', 'stuck')], 2, t1);
    expect(second).toMatchObject({ reason: 'ProgressDeadlineExceeded', message: 'stuck', observedGeneration: 2, lastTransitionTime: t0 });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const first = mergeConditions(undefined, [condition('Available', false, 'DeploymentProgressing', '0 ready')], 1, t0);
    const [second] = mergeConditions(first, [condition('Available', true, 'MinimumReplicasAvailable', '2 ready')], 1, t1);
    expect(second?.lastTransitionTime).toBe(t1);
  });
});

describe('nextStatus', () => {
  const observed = { selector: 'app=payment', replicas: 2, readyReplicas: 2 };

  it('writes the first status with Ready appended', () => {
    const next = nextStatus(undefined, observed, healthy, 1, t0);
    expect(next?.observedGeneration).toBe(1);
    expect(next?.conditions?.map((c) => c.type)).toEqual(['Available', 'DatabaseReady', 'BrokerReady', 'DashboardReady', 'Ready']);
  });

  it('writes nothing when nothing changed, whatever the clock and key order say', () => {
    const stored = nextStatus(undefined, observed, healthy, 1, t0);
    // The API server returns maps in its own key order.
    const reverse = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reverse);
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverse(v)]));
    };
    const reordered = reverse(stored) as typeof stored;
    expect(nextStatus(reordered, { readyReplicas: 2, replicas: 2, selector: 'app=payment' }, healthy, 1, t1)).toBeUndefined();
  });

  it('writes when a condition, the generation or an observed field changed', () => {
    const stored = nextStatus(undefined, observed, healthy, 1, t0);
    expect(nextStatus(stored, observed, healthy, 2, t1)?.observedGeneration).toBe(2);
    expect(nextStatus(stored, { ...observed, readyReplicas: 1 }, healthy, 1, t1)?.readyReplicas).toBe(1);
    const broken = [...healthy];
    broken[0] = condition('Available', false, 'DeploymentProgressing', '1 ready');
    const next = nextStatus(stored, observed, broken, 1, t1);
    expect(next?.conditions?.find((c) => c.type === 'Available')?.lastTransitionTime).toBe(t1);
    expect(next?.conditions?.find((c) => c.type === 'DatabaseReady')?.lastTransitionTime).toBe(t0);
  });
});

describe('transitions', () => {
  const at = (status: 'True' | 'False', type: Condition['type'] = 'Available', reason = 'R'): Condition => ({ type, status, reason, message: 'm', lastTransitionTime: t0, observedGeneration: 1 });

  it('reports nothing for a new resource whose workload is only rolling out', () => {
    expect(transitions(undefined, [at('False', 'Available', 'DeploymentProgressing'), at('True', 'DatabaseReady'), at('False', 'Ready', 'DeploymentProgressing')])).toEqual([]);
  });

  it('reports what fails from the start of a new resource, not its summary', () => {
    const first = [at('False', 'Available', 'ApplyFailed'), at('False', 'DatabaseReady', 'DatabaseUnreachable'), at('True', 'BrokerReady'), at('False', 'Ready', 'ApplyFailed')];
    expect(transitions(undefined, first).map((c) => c.type)).toEqual(['Available', 'DatabaseReady']);
  });

  it('reports conditions whose status changed', () => {
    expect(transitions([at('False'), at('False', 'Ready')], [at('True'), at('False', 'Ready')]).map((c) => c.type)).toEqual(['Available']);
  });
});

describe('canonicalJson', () => {
  /** The definition: JSON.stringify with every object's keys sorted. */
  const reference = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const record = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
  });

  it('matches the definition byte for byte, so rendered hashes never change', () => {
    const samples: unknown[] = [
      { b: 1, a: [3, { z: null, y: 'x"\u2028' }], c: undefined, d: () => 1, e: true, f: -0.5e-7, g: Number.NaN },
      { 10: 'ten', 9: 'nine', b: 'b', '01': 'zero-one', 4294967295: 'big', 4294967294: 'max-index' },
      [undefined, null, { when: new Date(0) }, 'é', 1e21],
      nextStatus(undefined, { selector: 'app=x', replicas: 1 }, healthy, 3, t0),
      'plain',
      42,
      ...renderChildren(
        { apiVersion: 'metrox.io/v1alpha1', kind: 'MetroXService', metadata: { name: 'payment', namespace: 'metrox', uid: 'u' }, spec: withDefaults({ image: 'img:1', autoscaling: { minReplicas: 2, maxReplicas: 4 }, env: [{ name: 'B', value: '1' }] }) },
        { otlpEndpoint: 'http://c:4318', cipherImage: undefined, databaseSecret: 'payment-database', broker: { secretName: 'payment-broker', exchange: 'metrox.events' }, brokerServiceUrl: 'amqp://x', serviceMonitors: true },
      ),
    ];
    for (const sample of samples) expect(canonicalJson(sample)).toBe(reference(sample));
  });
});
