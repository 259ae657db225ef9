// @metrox/telemetry: what the services (through @metrox/kit) and the operator share.
// Light on purpose: the logger and pure helpers. Tracing start-up, which loads the
// OpenTelemetry SDK, is the separate entry point `@metrox/telemetry/tracing`.
export { createLogger, activeTraceFields, logLevelFromEnv, logLevels, traceFields, withTraceIds, type Logger, type LoggerOptions, type LogLevel, type TraceFields } from './log/logger.ts';
export { censored, censorSecretFields } from './log/censor.ts';
export { luhnValid, scrubSecrets } from './log/scrub.ts';
export { resourceAttributesFromEnv } from './resource.ts';
export { registerTelemetryShutdown, shutdownTelemetry } from './shutdown.ts';
