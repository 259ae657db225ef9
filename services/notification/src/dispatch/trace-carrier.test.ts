import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { captureTrace, restoreTrace } from './trace-carrier.ts';

describe('trace carrier', () => {
  it('a stored trace context is restored with the same trace and parent span', () => {
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    const carrier = captureTrace(trace.setSpanContext(ROOT_CONTEXT, spanContext));
    expect(carrier.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(trace.getSpanContext(restoreTrace(carrier))).toMatchObject({ traceId: spanContext.traceId, spanId: spanContext.spanId, isRemote: true });
  });

  it('no trace is stored as nothing and restores to the root', () => {
    expect(captureTrace(ROOT_CONTEXT)).toEqual({ traceparent: null, tracestate: null });
    expect(trace.getSpanContext(restoreTrace({ traceparent: null, tracestate: null }))).toBeUndefined();
  });
});
