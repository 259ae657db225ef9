// The operator's logs and traces, started first thing in main.ts: JSON lines through
// the services' logger (same secret censoring, trace ids inside a span), and tracing
// from the standard OTEL_* variables.
import { createLogger, logLevelFromEnv, scrubSecrets, type Logger, type LoggerOptions } from '@metrox/telemetry';
import { startTracing } from '@metrox/telemetry/tracing';
import operatorPackage from '../../package.json' with { type: 'json' };
import type { Log } from '../runtime/log.ts';
import { operatorServiceName } from './variables.ts';


/** Until the logger exists, and when it cannot be made (a bad LOG_LEVEL): a line of the same shape. */
export const plainLog: Log = (level, message, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), service: operatorServiceName, msg: message, ...fields })}\n`);
};

/**
 * The operator's fields are often error messages, as strings rather than Errors (which
 * the logger's serializer would scrub): their values are scrubbed like messages. Fields
 * named like secrets are censored by the logger itself.
 */
export function logTo(logger: Logger): Log {
  return (level, message, fields = {}) => {
    const scrubbed = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? scrubSecrets(value) : value]));
    logger[level](scrubbed, message);
  };
}

export interface OperatorTelemetry {
  logger: Logger;
  log: Log;
}

/** Throws a clear error for a bad LOG_LEVEL or OTEL_* setting. Lines go to stdout unless a test gives a destination. */
export function startOperatorTelemetry(env: NodeJS.ProcessEnv = process.env, destination?: LoggerOptions['destination']): OperatorTelemetry {
  const level = logLevelFromEnv(env);
  const named = env.OTEL_SERVICE_NAME?.trim();
  const serviceName = named === undefined || named === '' ? operatorServiceName : named;
  const attributes = {
    ...(env.POD_NAME ? { 'k8s.pod.name': env.POD_NAME, 'service.instance.id': env.POD_NAME } : {}),
    ...(env.POD_NAMESPACE ? { 'k8s.namespace.name': env.POD_NAMESPACE } : {}),
  };
  startTracing({ serviceName: operatorServiceName, serviceVersion: operatorPackage.version, attributes, env });
  const logger = createLogger({ serviceName, serviceVersion: operatorPackage.version, level, sync: true, ...(destination === undefined ? {} : { destination }) });
  return { logger, log: logTo(logger) };
}
