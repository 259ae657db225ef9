import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { shutdownTelemetry } from './shutdown.ts';
import { startTracing, traceExportFromEnv } from './tracing.ts';

describe('what OTEL_* asks tracing to export', () => {
  it('is nothing without an endpoint or an exporter, so a process without a collector stays quiet', () => {
    expect(traceExportFromEnv({})).toEqual({ kind: 'none' });
  });

  it('is OTLP over HTTP with protobuf when an endpoint is set, for all signals or for traces alone', () => {
    expect(traceExportFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({ kind: 'otlp', protocol: 'http/protobuf' });
    expect(traceExportFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toEqual({ kind: 'otlp', protocol: 'http/protobuf' });
    expect(traceExportFromEnv({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({ kind: 'otlp', protocol: 'http/protobuf' });
    expect(traceExportFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toEqual({ kind: 'otlp', protocol: 'http/json' });
    expect(traceExportFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })).toEqual({ kind: 'otlp', protocol: 'http/protobuf' });
  });

  it('is nothing when the SDK is disabled or the exporter is none, endpoint or not', () => {
    expect(traceExportFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toEqual({ kind: 'none' });
    expect(traceExportFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toEqual({ kind: 'none' });
    expect(traceExportFromEnv({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({ kind: 'console' });
  });

  it('is a clear error for an exporter or protocol this module cannot serve', () => {
    expect(() => traceExportFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow('OTEL_TRACES_EXPORTER: zipkin not supported here; use otlp, console or none');
    expect(() => traceExportFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow('OTEL_EXPORTER_OTLP_PROTOCOL: grpc not supported here; use http/protobuf or http/json');
  });
});

describe('started tracing', () => {
  afterEach(async () => {
    await shutdownTelemetry();
    trace.disable();
  });

  it('registers nothing when nothing is to be exported', () => {
    expect(startTracing({ serviceName: 'tool', env: {} })).toBeUndefined();
    expect(trace.getTracer('t').startSpan('s').isRecording()).toBe(false);
  });

  it('names spans after the given service and version, with resource attributes from the environment', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = startTracing({ serviceName: 'tool', serviceVersion: '1.2.3', attributes: { 'k8s.pod.name': 'tool-0' }, spanProcessors: [new SimpleSpanProcessor(exporter)], env: { K8S_NODE_NAME: 'node-1' } });
    trace.getTracer('t').startActiveSpan('outer', (outer) => {
      trace.getTracer('t').startSpan('inner').end();
      outer.end();
    });
    await provider?.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(['inner', 'outer']);
    expect(spans[0]?.parentSpanContext?.spanId).toBe(spans[1]?.spanContext().spanId);
    expect(spans[0]?.resource.attributes).toMatchObject({ 'service.name': 'tool', 'service.version': '1.2.3', 'k8s.pod.name': 'tool-0', 'k8s.node.name': 'node-1', 'service.namespace': 'metrox' });
  });
});
