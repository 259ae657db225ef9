// Starts the OpenTelemetry Node SDK. Everything about export (endpoint, protocol,
// headers, sampler, propagators) comes from the standard OTEL_* variables; the only
// choices made here are which libraries are instrumented and how.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { registerTelemetryShutdown, resourceAttributesFromEnv } from '@metrox/telemetry';

const unobserved = new Set(['/healthz', '/readyz', '/metrics']);

export interface TelemetryOptions {
  /** Replaces the exporters chosen by OTEL_TRACES_EXPORTER (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

/**
 * The instrumented libraries. OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS
 * (comma-separated short names: http, fastify, grpc, pg, amqplib, undici, pino) narrow the
 * list, as in the OpenTelemetry Node auto-instrumentation.
 */
export function instrumentations(env: NodeJS.ProcessEnv = process.env) {
  const names = (value: string | undefined) => new Set((value ?? '').split(',').map((name) => name.trim()).filter(Boolean));
  const enabled = names(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const disabled = names(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS);
  const wanted = (name: string) => (enabled.size === 0 || enabled.has(name)) && !disabled.has(name);
  // Factories, not instances: constructing an instrumentation already patches its library.
  return allInstrumentations(env).filter(([name]) => wanted(name)).map(([, create]) => create());
}

function allInstrumentations(env: NodeJS.ProcessEnv): [string, () => Instrumentation][] {
  return [
    // Outgoing node:http calls; incoming requests are fastify's, whose span is then the
    // SERVER span and knows the route. Two server-side layers per request cost a third of
    // a small route's throughput and tell nothing more.
    ['http', () => new HttpInstrumentation({ disableIncomingRequestInstrumentation: true })],
    // One SERVER span per request, named after its route (HTTP semantic conventions); a span
    // per lifecycle hook of every plugin costs more than it tells.
    ['fastify', () => new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      ignorePaths: (route) => unobserved.has(route.url),
      instrumentHooks: false,
      instrumentHandler: false,
      requestHook: (span, request) => {
        span.updateName(`${request.method} ${request.routeOptions.url ?? ''}`.trim());
      },
    })],
    ['grpc', () => new GrpcInstrumentation()],
    ['pg', () => new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true })],
    ['amqplib', () => new AmqplibInstrumentation()],
    ['undici', () => new UndiciInstrumentation()],
    // Only to send log records over OTLP (OTEL_LOGS_EXPORTER=otlp): our logger adds
    // trace_id/span_id itself, also where this patching cannot reach, so without a logs
    // exporter the instrumentation would only wrap every log line's mixin for nothing.
    ...(logsExported(env) ? [['pino', () => new PinoInstrumentation({ disableLogCorrelation: true })] satisfies [string, () => Instrumentation]] : []),
  ];
}

const logsExported = (env: NodeJS.ProcessEnv) => (env.OTEL_LOGS_EXPORTER ?? 'none').split(',').some((name) => name.trim() !== 'none' && name.trim() !== '');

export function startTelemetry(options: TelemetryOptions = {}): NodeSDK {
  const env = options.env ?? process.env;
  // Stable HTTP semantic conventions: http.server.request.duration in seconds.
  env.OTEL_SEMCONV_STABILITY_OPT_IN ??= 'http';
  // Logs go to stdout (with trace ids) for the cluster's log pipeline; shipping every line
  // over OTLP as well doubles their cost. OTEL_LOGS_EXPORTER=otlp turns it on.
  env.OTEL_LOGS_EXPORTER ??= 'none';
  // Metrics are scraped from /metrics (prom-client, same names as OTLP would give);
  // OTEL_METRICS_EXPORTER=otlp pushes the SDK's own instrument metrics as well.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(resourceAttributesFromEnv(env)),
    instrumentations: instrumentations(env),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
  });
  sdk.start();
  registerTelemetryShutdown(() => sdk.shutdown());
  return sdk;
}
