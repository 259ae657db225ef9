// The operator's own telemetry end to end: the bundled operator, a real API server and
// a Jaeger of the suite's own (scripts/observability/up.sh). One reconcile of a new MetroXService
// is one trace of the operator's service, whose root span names the object and whose
// children are the API requests it made; the log lines written meanwhile carry its id.
import { privateJaegerStartTimeoutMs, startPrivateJaeger, type PrivateJaeger } from '@metrox/test/private-jaeger';
import { createJaegerQuery, type JaegerSpan, type JaegerTrace } from '@metrox/test/jaeger';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion, kind } from '../api/metroxservice.ts';
import { type mxsClient, waitFor } from '../testing/kube.ts';
import { operatorTestbed, type OperatorProcess, type OperatorTestbed } from '../testing/operator-process.ts';
import { reconcileAttributes } from './spans.ts';
import { operatorServiceName } from './variables.ts';

const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;

describe("the operator's traces", () => {
  let backend: PrivateJaeger | undefined;
  let jaeger: ReturnType<typeof createJaegerQuery>;
  let testbed: OperatorTestbed;
  let operator: OperatorProcess;
  let mxs: ReturnType<typeof mxsClient>;
  let namespace: string;

  beforeAll(async () => {
    backend = await startPrivateJaeger();
    jaeger = createJaegerQuery(backend.endpoints.JAEGER_URL);
    testbed = await operatorTestbed('traced');
    ({ mxs, namespace } = testbed);
    operator = await testbed.startOperator({ OTEL_EXPORTER_OTLP_ENDPOINT: backend.endpoints.OTEL_EXPORTER_OTLP_ENDPOINT });
  }, privateJaegerStartTimeoutMs);
  afterAll(async () => {
    await operator.stop();
    await testbed.close();
    await backend?.stop();
  });

  it('show a reconcile of a new MetroXService in Jaeger, with its API requests as children, and its log lines carry the trace id', async () => {
    // Unique per run: Jaeger keeps earlier runs' traces.
    const name = `traced-${randomUUID().slice(0, 8)}`;
    await mxs.create(namespace, { apiVersion, kind, metadata: { name }, spec: { image: 'ghcr.io/metrox/payment:1.0.0', ports: { http: 8080 } } });
    await waitFor(`${name} to be reconciled`, async () => {
      const current = await mxs.get(namespace, name);
      return current.status?.observedGeneration === current.metadata.generation ? current : undefined;
    });

    const isReconcileOf = (span: JaegerSpan) =>
      span.operationName === 'reconcile' && tag(span, reconcileAttributes.name) === name && tag(span, reconcileAttributes.namespace) === namespace;
    // The reconcile that created the children: its trace holds their POSTs (spans arrive in batches).
    const created = (trace: JaegerTrace) => trace.spans.some(isReconcileOf) && trace.spans.some((span) => tag(span, 'http.request.method') === 'POST');
    const trace = await waitFor(`a reconcile trace of ${namespace}/${name} in Jaeger`, async () => (await jaeger.search(operatorServiceName, 50)).find(created));
    const root = trace.spans.find(isReconcileOf);
    if (root === undefined) throw new Error('the trace lost its reconcile span');
    expect(trace.processes[root.processID]?.serviceName).toBe(operatorServiceName);
    expect(root.references).toEqual([]);
    expect(tag(root, reconcileAttributes.result)).toBe('success');
    expect(tag(root, reconcileAttributes.requeue)).toBe(false);

    const requests = trace.spans.filter((span) => tag(span, 'span.kind') === 'client');
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const request of requests) {
      expect(request.references, request.operationName).toEqual([expect.objectContaining({ refType: 'CHILD_OF', spanID: root.spanID })]);
      expect(request.operationName).toBe(tag(request, 'http.request.method'));
      expect(tag(request, 'http.response.status_code')).toEqual(expect.any(Number));
      expect(String(tag(request, 'url.full'))).toContain(`/namespaces/${namespace}/`);
    }
    const created201 = requests.filter((span) => tag(span, 'http.request.method') === 'POST' && tag(span, 'http.response.status_code') === 201);
    const createdKinds = new Set(created201.map((span) => String(tag(span, 'url.full')).split('?')[0]?.split('/').at(-1)));
    expect([...createdKinds].sort()).toEqual(['configmaps', 'deployments', 'serviceaccounts', 'services']);

    const lines = operator.log().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const creating = lines.filter((line) => line.msg === 'creating child' && line.name === name);
    expect(creating.length).toBeGreaterThan(0);
    for (const line of creating) expect(line).toMatchObject({ trace_id: trace.traceID, service: operatorServiceName, level: 'info' });
  });
});
