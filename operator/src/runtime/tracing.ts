// A controller's spans, made by hand: an operator often runs as a bundle, which no
// require hook can instrument. Without a registered tracer provider (no OTEL_* export
// configured) every span here is the API's no-op and costs next to nothing.
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

const tracer = () => trace.getTracer('operator-runtime');

let redact: (text: string) => string = (text) => text;

/**
 * How error texts are cleaned before they are recorded on a span (a connection string
 * in a driver's message, say): spans leave the process like log lines do.
 */
export function redactSpanErrors(redactor: (text: string) => string): void {
  redact = redactor;
}

/** Ends `span` as `work` settles: an error is recorded (scrubbed) and sets the ERROR status. */
async function endWith<T>(span: Span, work: Promise<T>, settled?: (value: T | undefined, failed: boolean) => void): Promise<T> {
  try {
    const value = await work;
    settled?.(value, false);
    return value;
  } catch (error) {
    settled?.(undefined, true);
    const message = redact(error instanceof Error ? error.message : String(error));
    span.recordException({ name: error instanceof Error ? error.name : 'Error', message, ...(error instanceof Error && error.stack !== undefined ? { stack: redact(error.stack) } : {}) });
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    throw error;
  } finally {
    span.end();
  }
}

/** Runs `work` in a child span named `name`; the span ends on every path. */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, (span) => endWith(span, Promise.resolve().then(work)));
}

/**
 * Attribute names of the reconcile span, also read by the tests. Generic, as a
 * controller runtime's would be: nothing here knows what kind is reconciled.
 */
export const reconcileAttributes = {
  namespace: 'k8s.namespace.name',
  name: 'reconcile.name',
  result: 'reconcile.result',
  requeue: 'reconcile.requeue',
  requeueAfterMs: 'reconcile.requeue_after_ms',
} as const;

/**
 * One trace per reconcile of `key` (`<namespace>/<name>`): a root span, whatever was
 * active when the work queue called, with the API requests and wiring steps as children.
 * A failed reconcile is retried with backoff by the work queue, hence requeue=true; a
 * reconcile may also ask to run again after a delay.
 */
export function traceReconcile<T extends { requeueAfterMs?: number } | undefined>(key: string, reconcile: () => Promise<T>): Promise<T> {
  const [namespace = '', name = ''] = key.split('/');
  const attributes = { [reconcileAttributes.namespace]: namespace, [reconcileAttributes.name]: name };
  return tracer().startActiveSpan('reconcile', { root: true, attributes }, (span) => {
    return endWith(span, Promise.resolve().then(reconcile), (value, failed) => {
      const after = value?.requeueAfterMs;
      span.setAttributes({ [reconcileAttributes.result]: failed ? 'error' : 'success', [reconcileAttributes.requeue]: failed || after !== undefined });
      if (after !== undefined) span.setAttribute(reconcileAttributes.requeueAfterMs, after);
    });
  });
}

/**
 * A CLIENT span for one HTTP request (HTTP semantic conventions), only inside another
 * span: the informers' lists and the Lease renewals, which run outside any reconcile,
 * would otherwise each make a trace of their own.
 */
export function startRequestSpan(method: string, server: URL, path: string): Span | undefined {
  if (trace.getActiveSpan() === undefined) return undefined;
  const port = server.port === '' ? (server.protocol === 'https:' ? 443 : 80) : Number(server.port);
  return tracer().startSpan(method, {
    kind: SpanKind.CLIENT,
    attributes: { 'http.request.method': method, 'server.address': server.hostname, 'server.port': port, 'url.full': `${server.origin}${path}` },
  }, context.active());
}

/** Records the answer's status code on the request span. */
export function recordResponseStatus(span: Span | undefined, status: number): void {
  span?.setAttribute('http.response.status_code', status);
}

/** Ends the request span when the request settles. */
export function endRequestSpan<T>(span: Span | undefined, request: Promise<T>): Promise<T> {
  return span === undefined ? request : endWith(span, request);
}
