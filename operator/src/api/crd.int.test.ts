import { sharedControlPlane, uniqueNamespace, type TestNamespace } from '@metrox/test/shared-control-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrd, mxsClient, rejectionOf } from '../testing/kube.ts';
import { apiVersion, kind } from './metroxservice.ts';

/** The suite's namespace on the shared control plane (uniquely named). */
let namespace: string;
const valid = { image: 'ghcr.io/metrox/payment:1.0.0' };

describe('MetroXService CRD on a real API server', () => {
  let suiteNamespace: TestNamespace;
  let mxs: ReturnType<typeof mxsClient>;

  beforeAll(async () => {
    const cp = sharedControlPlane();
    await installCrd(cp.kubeConfig);
    suiteNamespace = await uniqueNamespace(cp, 'crd-validation');
    namespace = suiteNamespace.name;
    mxs = mxsClient(cp.kubeConfig);
  });
  afterAll(async () => {
    await suiteNamespace.delete();
  });

  const create = (spec: object, name = 'invalid') => rejectionOf(mxs.create(namespace, { apiVersion, kind, metadata: { name }, spec }));

  it('fills in the defaults of a minimal resource', async () => {
    const created = await mxs.create(namespace, { apiVersion, kind, metadata: { name: 'minimal' }, spec: valid });
    expect(created.spec).toEqual({
      image: valid.image,
      replicas: 1,
      ports: { http: 8080 },
      events: { publishes: [], subscribes: [] },
      observability: { logLevel: 'info', tracing: { samplingRatio: 1 }, metrics: { path: '/metrics' }, dashboard: true },
      slo: { enabled: true, window: '28d', availability: { objective: 99.9 }, latency: { objective: 99, threshold: '500ms' }, events: { objective: 99.9 } },
    });
  });

  it.each([
    ['missing image', {}, 'spec.image: Required value'],
    ['empty image', { image: '' }, 'spec.image: Invalid value: "": spec.image in body should be at least 1 chars long'],
    ['negative replicas', { ...valid, replicas: -1 }, 'spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0'],
    ['port out of range', { ...valid, ports: { http: 70000 } }, 'spec.ports.http: Invalid value: 70000: spec.ports.http in body should be less than or equal to 65535'],
    ['grpc port equal to http', { ...valid, ports: { http: 8080, grpc: 8080 } }, 'spec.ports.grpc: Invalid value: ports.grpc must differ from ports.http'],
    ['maxReplicas below minReplicas', { ...valid, autoscaling: { minReplicas: 5, maxReplicas: 2 } }, 'spec.autoscaling.maxReplicas: Invalid value: autoscaling.maxReplicas must be greater than or equal to autoscaling.minReplicas'],
    ['autoscaling without maxReplicas', { ...valid, autoscaling: { minReplicas: 2 } }, 'spec.autoscaling.maxReplicas: Required value'],
    ['CPU target above 100', { ...valid, autoscaling: { maxReplicas: 3, targetCPUUtilizationPercentage: 150 } }, 'spec.autoscaling.targetCPUUtilizationPercentage: Invalid value: 150: spec.autoscaling.targetCPUUtilizationPercentage in body should be less than or equal to 100'],
    ['unknown deletion policy', { ...valid, database: { deletionPolicy: 'Orphan' } }, 'spec.database.deletionPolicy: Unsupported value: "Orphan": supported values: "Retain", "Delete"'],
    ['database name with dashes', { ...valid, database: { name: 'my-db' } }, 'spec.database.name: Invalid value: "my-db": spec.database.name in body should match \'^[a-z][a-z0-9_]*$\''],
    ['event type not PascalCase', { ...valid, events: { subscribes: ['transaction.created'] } }, 'spec.events.subscribes[0]: Invalid value: "transaction.created": spec.events.subscribes[0] in body should match \'^[A-Z][A-Za-z0-9]*$\''],
    ['duplicate subscription', { ...valid, events: { subscribes: ['TransactionCreated', 'TransactionCreated'] } }, 'spec.events.subscribes[1]: Duplicate value: "TransactionCreated"'],
    ['unknown log level', { ...valid, observability: { logLevel: 'verbose' } }, 'spec.observability.logLevel: Unsupported value: "verbose": supported values: "trace", "debug", "info", "warn", "error"'],
    ['sampling ratio above 1', { ...valid, observability: { tracing: { samplingRatio: 1.5 } } }, 'spec.observability.tracing.samplingRatio: Invalid value: 1.5: spec.observability.tracing.samplingRatio in body should be less than or equal to 1'],
    ['metrics path not absolute', { ...valid, observability: { metrics: { path: 'metrics' } } }, 'spec.observability.metrics.path: Invalid value: "metrics": spec.observability.metrics.path in body should match'],
    ['cipher enabled without a key Secret', { ...valid, cipher: { enabled: true } }, 'spec.cipher.keySecretName: Invalid value: cipher.keySecretName is required when cipher.enabled is true'],
    ['service port taken by the cipher sidecar', { ...valid, ports: { http: 9465 }, cipher: { enabled: true, keySecretName: 'keys' } }, 'spec.ports: Invalid value: ports 7400 and 9465 belong to the cipher sidecar'],
    ['latency threshold off the histogram\'s buckets', { ...valid, slo: { latency: { threshold: '300ms' } } }, 'spec.slo.latency.threshold: Unsupported value: "300ms": supported values: "5ms", "10ms"'],
    ['objective of 100 %', { ...valid, slo: { availability: { objective: 100 } } }, 'spec.slo.availability.objective: Invalid value: 100: an objective is a percentage from 50 up to (not including) 100'],
    ['SLO window in weeks', { ...valid, slo: { window: '4w' } }, 'spec.slo.window: Unsupported value: "4w": supported values: "7d", "14d", "28d", "30d"'],
    ['env entry without name', { ...valid, env: [{ value: 'x' }] }, 'spec.env[0].name: Required value'],
  ])('rejects %s with a clear message', async (_case, spec, message) => {
    const rejection = await create(spec);
    expect(rejection.code).toBe(422);
    expect(rejection.message).toContain(message);
  });

  it('rejects a name that cannot name a Service', async () => {
    const rejection = await create(valid, 'x'.repeat(60));
    expect(rejection).toMatchObject({ code: 422, message: expect.stringContaining('metadata.name must be a DNS-1035 label of at most 52 characters') as unknown });
  });

  it('refuses to change the database name once set', async () => {
    await mxs.create(namespace, { apiVersion, kind, metadata: { name: 'payment' }, spec: { ...valid, database: { name: 'payments' } } });
    const rejection = await rejectionOf(mxs.patch(namespace, 'payment', [{ op: 'replace', path: '/spec/database/name', value: 'other' }]));
    expect(rejection).toMatchObject({ code: 422, message: expect.stringContaining('database.name is immutable once set') as unknown });
  });
});
