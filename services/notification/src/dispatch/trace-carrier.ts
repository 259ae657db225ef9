// W3C trace context as two strings to keep in a row: the handler stores the outcome's
// context, the dispatcher continues it when it sends, however much later that is.
import { context, ROOT_CONTEXT, trace, SpanKind, type Context, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const w3c = new W3CTraceContextPropagator();

const setter: TextMapSetter<Record<string, string>> = {
  set: (target, key, value) => {
    target[key] = value;
  },
};

const getter: TextMapGetter<Record<string, string>> = {
  get: (source, key) => source[key],
  keys: (source) => Object.keys(source),
};

export interface TraceCarrier {
  traceparent: string | null;
  tracestate: string | null;
}

export function captureTrace(from: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  w3c.inject(from, carrier, setter);
  return { traceparent: carrier.traceparent ?? null, tracestate: carrier.tracestate ?? null };
}

export function restoreTrace(carrier: TraceCarrier): Context {
  const source: Record<string, string> = {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
  return w3c.extract(ROOT_CONTEXT, source, getter);
}

/** Runs `work` in a span that continues the stored trace (a child of it). */
export async function withRestoredTrace<T>(carrier: TraceCarrier, name: string, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = restoreTrace(carrier);
  const span = trace.getTracer('@metrox/notification').startSpan(name, { kind: SpanKind.INTERNAL }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } finally {
    span.end();
  }
}
