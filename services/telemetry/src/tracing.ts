// Tracing for a process that makes its own spans (no library instrumentation, e.g. a
// bundled program whose libraries no require hook can patch): a tracer provider with
// W3C propagation and AsyncLocalStorage context, exporting in batches over OTLP/HTTP.
// Export settings (endpoint, headers, timeout, compression, sampler, batch sizes) are
// the standard OTEL_* variables, read by the SDK itself; only whether and how to export
// is decided here (traceExportFromEnv).
import type { Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { resourceAttributesFromEnv } from './resource.ts';
import { registerTelemetryShutdown } from './shutdown.ts';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** Where spans go: nowhere (no provider is registered, spans cost nothing), OTLP, or stdout. */
export type TraceExport = { kind: 'none' } | { kind: 'otlp'; protocol: OtlpProtocol } | { kind: 'console' };

const protocols: readonly string[] = ['http/protobuf', 'http/json'] satisfies OtlpProtocol[];

function set(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/**
 * Pure: the export OTEL_* asks for. Unlike the SDK's default (OTLP to localhost:4318),
 * nothing is exported unless an endpoint or an exporter is named, so a process run
 * without a collector neither fails nor retries exports in vain. OTEL_SDK_DISABLED=true
 * and OTEL_TRACES_EXPORTER=none turn tracing off; an exporter or protocol this module
 * cannot serve (grpc, zipkin) is a clear error.
 */
export function traceExportFromEnv(env: NodeJS.ProcessEnv): TraceExport {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { kind: 'none' };
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  const endpoint = set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) || set(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const unknown = exporters.filter((name) => !['otlp', 'console', 'none'].includes(name));
  if (unknown.length > 0) throw new Error(`OTEL_TRACES_EXPORTER: ${unknown.join(', ')} not supported here; use otlp, console or none`);
  if (exporters.includes('none')) return { kind: 'none' };
  if (exporters.includes('console')) return { kind: 'console' };
  if (!exporters.includes('otlp') && !endpoint) return { kind: 'none' };
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (!protocols.includes(protocol)) throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL: ${protocol} not supported here; use ${protocols.join(' or ')}`);
  return { kind: 'otlp', protocol: protocol as OtlpProtocol };
}

export interface TracingOptions {
  /** service.name unless OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) says otherwise. */
  serviceName: string;
  serviceVersion?: string;
  /** Further resource attributes (the pod's name, say); OTEL_RESOURCE_ATTRIBUTES wins over them. */
  attributes?: Attributes;
  /** Replaces the exporter OTEL_* chooses (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

function exporterFor(choice: Exclude<TraceExport, { kind: 'none' }>): SpanExporter {
  if (choice.kind === 'console') return new ConsoleSpanExporter();
  return choice.protocol === 'http/json' ? new OtlpJsonTraceExporter() : new OtlpProtobufTraceExporter();
}

/**
 * Starts tracing as OTEL_* says and registers it globally (tracer provider, context
 * manager, propagator); shutdownTelemetry() flushes it. Returns undefined, registering
 * nothing, when nothing is to be exported: the API's no-op tracer then makes every span.
 */
export function startTracing(options: TracingOptions): NodeTracerProvider | undefined {
  const env = options.env ?? process.env;
  const choice = traceExportFromEnv(env);
  if (options.spanProcessors === undefined && choice.kind === 'none') return undefined;
  const processors = options.spanProcessors ?? (choice.kind === 'console' ? [new SimpleSpanProcessor(exporterFor(choice))] : choice.kind === 'otlp' ? [new BatchSpanProcessor(exporterFor(choice))] : []);
  const resource = defaultResource()
    .merge(resourceFromAttributes({
      ...resourceAttributesFromEnv(env),
      ...options.attributes,
      'service.name': options.serviceName,
      ...(options.serviceVersion === undefined ? {} : { 'service.version': options.serviceVersion }),
    }))
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, read from the process's environment.
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors });
  provider.register();
  registerTelemetryShutdown(() => provider.shutdown());
  return provider;
}
