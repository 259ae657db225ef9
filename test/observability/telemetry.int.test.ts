// Logs, traces and metrics of a few purchases, read back from real backends: the
// services' own stdout, a Jaeger they export to over OTLP, and the local Prometheus
// scraping them and the operator. (One purchase being one trace across the four
// services is proven in test/services/purchase-trace.int.test.ts; this adds its edges.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceNames } from '../../scripts/local/fleet.ts';
import { createJaegerQuery, resolveSpans, traceRoots, type ResolvedSpan } from './jaeger-query.ts';
import { startTelemetryStack, operatorNamespace, type TelemetryStack } from './telemetry-stack.ts';
import { waitUntil } from '../support/processes.ts';
import { healthCheck, pollRequestPrefix, purchase, type Purchase } from './workload.ts';

let stack: TelemetryStack | undefined;
const running = (): TelemetryStack => {
  if (stack === undefined) throw new Error('the telemetry stack did not start');
  return stack;
};
const purchases: Purchase[] = [];

beforeAll(async () => {
  stack = await startTelemetryStack();
  for (const method of ['upi', 'wallet', 'upi'] as const) purchases.push(await purchase(stack.fleet, method));
  // Kubernetes' gRPC probes: every service serves grpc.health.v1.
  for (const service of serviceNames) expect(await healthCheck(stack.fleet.grpcAddress(service))).toBe(0);
}, 30 * 60_000); // a cold cache builds Jaeger and the control plane from their Go modules first

afterAll(async () => {
  await stack?.close();
});

/** Pure: "parent service (kind) → child service (kind): child span" for every span whose parent is in another service. */
function crossServiceEdges(spans: ResolvedSpan[]): string[] {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  return spans.flatMap((span) => {
    const parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
    if (parent === undefined) return span.parentSpanId === undefined ? [] : [`client → ${span.service} (${span.kind}): ${span.name}`];
    return parent.service === span.service ? [] : [`${parent.service} (${parent.kind}) → ${span.service} (${span.kind}): ${span.name}`];
  });
}

describe('one purchase in logs and traces', () => {
  it('its trace has the edges client → transaction → payment → transaction → notification, operations, and no call from notification into transaction', async () => {
    const [first] = purchases;
    if (first === undefined) throw new Error('no purchase');
    const jaeger = createJaegerQuery(running().observability.JAEGER_URL);
    const stored = await jaeger.waitForTrace(first.traceId, (t) => {
      const edges = crossServiceEdges(resolveSpans(t));
      return edges.some((e) => e.startsWith('transaction ') && e.includes('→ notification (consumer): TransactionCompleted')) && edges.some((e) => e.startsWith('payment ') && e.includes('→ transaction')) &&
        edges.some((e) => e.includes('→ operations')) && edges.some((e) => e.includes('→ notification'));
    });
    const edges = crossServiceEdges(resolveSpans(stored));
    const has = (pattern: RegExp): boolean => edges.some((edge) => pattern.test(edge));
    const message = `edges of trace ${first.traceId}:\n${edges.join('\n')}`;
    expect(stored.traceID).toBe(first.traceId);
    // The client's span (our traceparent) is the parent of Transaction's server span, and nothing else is parentless.
    expect(edges.filter((e) => e.startsWith('client →')), message).toEqual([expect.stringMatching(/^client → transaction \(server\): POST/)]);
    // Across the outbox and the broker: the span that wrote the event (its context travels with it)
    // is the parent of the subscriber's consumer span.
    expect(has(/^transaction \((server|producer)\) → payment \(consumer\): TransactionCreated/), message).toBe(true);
    expect(has(/^payment \((consumer|producer)\) → transaction \(consumer\): Payment/), message).toBe(true);
    expect(has(/^(transaction|payment) \((server|consumer|producer)\) → operations \(consumer\): /), message).toBe(true);
    // Notification learns everything from TransactionCompleted: it never calls back into Transaction.
    expect(has(/^transaction \((consumer|producer)\) → notification \(consumer\): TransactionCompleted/), message).toBe(true);
    expect(edges.filter((e) => e.startsWith('notification ') && e.includes('→ transaction')), message).toEqual([]);
  });

  it('no trace starts anywhere but at a request a service serves: broker hops continue the trace of the event', async () => {
    const jaeger = createJaegerQuery(running().observability.JAEGER_URL);
    const strayStarts = async (): Promise<string[]> => {
      const starts = new Set<string>();
      for (const service of serviceNames) {
        for (const stored of await jaeger.search(service)) {
          for (const root of traceRoots(resolveSpans(stored))) starts.add(`${root.service} (${root.kind}): ${root.name}`);
        }
      }
      return [...starts].filter((start) => !start.includes(' (server): ')).sort();
    };
    // Each service exports in its own batches, so a span can be stored before its parent
    // from another service is; a real stray start stays one.
    let strays: string[] = [];
    await waitUntil(async () => (strays = await strayStarts()).length === 0, 30_000, () => `traces that start at:\n${strays.join('\n')}`);
  });

  it('every log line the four services wrote about the purchase carries its trace id', () => {
    for (const { transactionId, traceId } of purchases) {
      const ofPurchase = (line: Record<string, unknown>): boolean =>
        JSON.stringify(line).includes(transactionId) && !(typeof line.requestId === 'string' && line.requestId.startsWith(pollRequestPrefix));
      const lines = serviceNames.flatMap((service) => running().logLines(service).filter(ofPurchase));
      const services = new Set(lines.map((line) => String(line.service)));
      expect(lines.length, `log lines mentioning ${transactionId}`).toBeGreaterThan(0);
      expect(services.size, `services that logged ${transactionId}: ${[...services].join(', ')}`).toBeGreaterThan(1);
      const strays = lines.filter((line) => line.trace_id !== traceId);
      expect(strays, `lines about ${transactionId} without trace id ${traceId}`).toEqual([]);
    }
  });
});

describe('metrics in Prometheus', () => {
  const perService: Record<string, readonly string[]> = {
    http_server_request_duration_seconds_count: serviceNames,
    rpc_server_duration_seconds_count: serviceNames,
    // Operations only consumes: it publishes nothing.
    metrox_events_published_total: ['transaction', 'payment', 'notification'],
    metrox_events_consumed_total: serviceNames,
    metrox_outbox_pending: serviceNames,
    metrox_event_lag_seconds_count: serviceNames,
    metrox_tickets_sold_total: ['operations'],
    metrox_revenue_cents_total: ['operations'],
    metrox_payments_total: ['operations'],
  };

  it('has the RED, event and business metrics of every service', async () => {
    const missing: string[] = [];
    await expect
      .poll(async () => {
        missing.length = 0;
        for (const [metric, services] of Object.entries(perService)) {
          const found = new Set((await running().prometheus.query(`count by (service) (${metric}{namespace="${running().namespace}"})`)).map((s) => s.metric.service));
          for (const service of services) if (!found.has(service)) missing.push(`${metric} of ${service}`);
        }
        return missing;
      }, { timeout: 30_000, interval: 1_000 })
      .toEqual([]);
  });

  it('has the reconcile and work queue metrics of the operator', async () => {
    await expect
      .poll(async () => {
        const reconciled = await running().prometheus.query(`sum(controller_runtime_reconcile_total{namespace="${operatorNamespace}", result="success"})`);
        const depth = await running().prometheus.query(`workqueue_depth{namespace="${operatorNamespace}"}`);
        return { reconciled: Number(reconciled[0]?.value[1] ?? 0) > 0, depth: depth.length > 0 };
      }, { timeout: 30_000, interval: 1_000 })
      .toEqual({ reconciled: true, depth: true });
  });
});
