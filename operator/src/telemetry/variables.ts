// The variables the operator's telemetry reads (its configuration's are in
// install/configuration.ts): documented once, checked against the chart's env.

import { operatorName } from '../install/rbac.ts';

/** service.name of the operator's logs and traces: its Deployment's name. */
export const operatorServiceName = operatorName;

/** Telemetry variables the operator reads, for its Deployment and README. */
export const telemetryVariables = {
  LOG_LEVEL: 'fatal, error, warn, info (default), debug, trace or silent.',
  OTEL_SERVICE_NAME: `service.name of the operator's traces (default: ${operatorServiceName}).`,
  OTEL_EXPORTER_OTLP_ENDPOINT: 'OTLP/HTTP collector the traces go to; unset (and no OTEL_TRACES_EXPORTER): no traces are exported.',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'The same for traces alone, as a full URL (…/v1/traces).',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf (default) or http/json.',
  OTEL_TRACES_EXPORTER: 'otlp, console or none.',
  OTEL_SDK_DISABLED: 'true: no tracing at all.',
  OTEL_RESOURCE_ATTRIBUTES: 'Further resource attributes (key=value,…).',
  OTEL_TRACES_SAMPLER: 'Sampler, e.g. parentbased_traceidratio with OTEL_TRACES_SAMPLER_ARG (default: every reconcile).',
} as const;
