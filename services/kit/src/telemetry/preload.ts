// The telemetry preload: `node --import @metrox/kit/preload src/main.ts`.
// It must run before the service imports fastify, pg, amqplib… so their modules can
// be instrumented. With OTEL_SDK_DISABLED=true nothing is loaded at all: zero cost.
if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') {
  // In-thread ESM hooks (module.registerHooks) so `import pg from 'pg'` is patched like require('pg').
  const { register } = await import('import-in-the-middle/register-hooks.mjs');
  register();
  const { startTelemetry } = await import('./sdk.ts');
  startTelemetry();
}

export {};
