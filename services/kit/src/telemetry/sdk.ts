// Starts the OpenTelemetry Node SDK. Everything about export (endpoint, protocol,
// headers, sampler, propagators) comes from the standard OTEL_* variables; the only
// choices made here are which libraries are instrumented and how.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { IncomingMessage } from 'node:http';
import { resourceAttributesFromEnv } from './resource.ts';
import { registerTelemetryShutdown } from './shutdown.ts';

const unobserved = new Set(['/healthz', '/readyz', '/metrics']);

export interface TelemetryOptions {
  /** Replaces the exporters chosen by OTEL_TRACES_EXPORTER (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

export function instrumentations() {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => unobserved.has((request.url ?? '').split('?')[0] ?? ''),
    }),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      ignorePaths: (route) => unobserved.has(route.url),
    }),
    new GrpcInstrumentation(),
    new PgInstrumentation({ requireParentSpan: true }),
    new AmqplibInstrumentation(),
    new UndiciInstrumentation(),
    // Our logger adds trace_id/span_id itself (also where this patching cannot reach);
    // the instrumentation still forwards records to an OTel LoggerProvider when one is configured.
    new PinoInstrumentation({ disableLogCorrelation: true }),
  ];
}

export function startTelemetry(options: TelemetryOptions = {}): NodeSDK {
  const env = options.env ?? process.env;
  // Stable HTTP semantic conventions: http.server.request.duration in seconds.
  env.OTEL_SEMCONV_STABILITY_OPT_IN ??= 'http';
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(resourceAttributesFromEnv(env)),
    instrumentations: instrumentations(),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
  });
  sdk.start();
  registerTelemetryShutdown(() => sdk.shutdown());
  return sdk;
}
