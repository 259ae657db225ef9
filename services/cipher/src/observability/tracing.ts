// Trace context travels in the request frame as W3C `traceparent`/`tracestate`, so the
// helper's span joins the caller's trace (a purchase's trace shows the encryption).
import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { CipherRequest } from '@metrox/kit/cipher';

const w3c = new W3CTraceContextPropagator();
const tracer = () => trace.getTracer('@metrox/cipher');

export function startRequestSpan(request: CipherRequest): { span: Span; run: <T>(fn: () => T) => T } {
  const carrier: Record<string, string> = {};
  if (request.traceparent !== undefined) carrier.traceparent = request.traceparent;
  if (request.tracestate !== undefined) carrier.tracestate = request.tracestate;
  const parent = w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  const span = tracer().startSpan(
    `cipher ${request.op}`,
    { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'metrox_cipher', 'rpc.method': request.op } },
    parent,
  );
  const active = trace.setSpan(parent, span);
  return { span, run: (fn) => context.with(active, fn) };
}
