// W3C trace context to and from plain strings, independent of the globally configured
// propagator: the envelope always carries `traceparent`, whatever OTEL_PROPAGATORS says.
import { context, ROOT_CONTEXT, trace, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { suppressTracing, W3CTraceContextPropagator } from '@opentelemetry/core';

const w3c = new W3CTraceContextPropagator();

export const kitTracer = () => trace.getTracer('@metrox/kit');

/** Runs `work` with tracing suppressed: no instrumentation makes a span for what it does. */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}

const setter: TextMapSetter<Record<string, string>> = {
  set: (target, key, value) => {
    target[key] = value;
  },
};

const getter: TextMapGetter<TraceCarrier> = {
  get: (source, key) => (key === 'traceparent' || key === 'tracestate' ? source[key] : undefined),
  keys: (source) => Object.keys(source),
};

export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

export function injectTraceContext(from: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  w3c.inject(from, carrier, setter);
  return {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

export function extractTraceContext(carrier: TraceCarrier, base: Context = ROOT_CONTEXT): Context {
  return w3c.extract(base, carrier, getter);
}
