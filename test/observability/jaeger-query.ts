// A small client for Jaeger's query API (the HTTP JSON API its UI uses), for tests
// that assert what a real trace backend stored.
import { waitUntil } from '../support/processes.ts';

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: JaegerReference[];
  processID: string;
  startTime: number;
  duration: number;
  tags: { key: string; type: string; value: unknown }[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

/** A span with its service name resolved, and its parent (CHILD_OF) span id. */
export interface ResolvedSpan {
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  service: string;
  /** OpenTelemetry span kind as Jaeger tags it: server, client, producer, consumer, internal. */
  kind: string;
}

export function createJaegerQuery(baseUrl: string) {
  const url = (path: string) => new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();

  async function getJson(path: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(url(path), { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  return {
    /** The trace, or undefined while Jaeger has not stored it (404). */
    async trace(traceId: string): Promise<JaegerTrace | undefined> {
      const { status, body } = await getJson(`api/traces/${traceId}`);
      if (status === 404) return undefined;
      if (status !== 200) throw new Error(`Jaeger answered ${status} for trace ${traceId}: ${JSON.stringify(body)}`);
      const traces = (body as { data?: JaegerTrace[] }).data ?? [];
      return traces[0];
    },

    /** The most recent traces with a span of `service`, over the last hour. */
    async search(service: string, limit = 200): Promise<JaegerTrace[]> {
      const query = new URLSearchParams({ service, limit: String(limit), lookback: '1h' });
      const { status, body } = await getJson(`api/traces?${query.toString()}`);
      if (status !== 200) throw new Error(`Jaeger answered ${status} for traces of ${service}: ${JSON.stringify(body)}`);
      return (body as { data?: JaegerTrace[] | null }).data ?? [];
    },

    async services(): Promise<string[]> {
      const { status, body } = await getJson('api/services');
      if (status !== 200) throw new Error(`Jaeger answered ${status} for /api/services`);
      return (body as { data: string[] | null }).data ?? [];
    },

    /** Polls until the trace satisfies `complete` (spans arrive in batches), then returns it. */
    async waitForTrace(traceId: string, complete: (trace: JaegerTrace) => boolean, timeoutMs = 30_000): Promise<JaegerTrace> {
      let last: JaegerTrace | undefined;
      await waitUntil(
        async () => {
          last = await this.trace(traceId);
          return last !== undefined && complete(last);
        },
        timeoutMs,
        () => `trace ${traceId} did not become complete in Jaeger within ${timeoutMs} ms; last seen: ${JSON.stringify(last && resolveSpans(last))}`,
      );
      if (last === undefined) throw new Error(`trace ${traceId} vanished`);
      return last;
    },
  };
}

/** Pure: flattens a Jaeger trace into spans with service names and parent ids. */
export function resolveSpans(trace: JaegerTrace): ResolvedSpan[] {
  return trace.spans.map((span) => {
    const kind = span.tags.find((tag) => tag.key === 'span.kind')?.value;
    return {
      spanId: span.spanID,
      parentSpanId: span.references.find((ref) => ref.refType === 'CHILD_OF')?.spanID,
      name: span.operationName,
      service: trace.processes[span.processID]?.serviceName ?? '(unknown process)',
      kind: typeof kind === 'string' ? kind : 'internal',
    };
  });
}

/** Pure: the spans of a trace whose parent is not in it, i.e. where the trace starts (or was cut). */
export function traceRoots(spans: ResolvedSpan[]): ResolvedSpan[] {
  const ids = new Set(spans.map((span) => span.spanId));
  return spans.filter((span) => span.parentSpanId === undefined || !ids.has(span.parentSpanId));
}
