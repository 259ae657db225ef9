// Span export, configured only by the standard OTEL_* variables. Without an OTLP
// endpoint there is nothing to export to (the SDK is not even loaded), and the helper
// still carries the caller's trace context into its logs.
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<{ shutdown(): Promise<void> }> {
  const configured = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!configured || env.OTEL_SDK_DISABLED === 'true') return { shutdown: () => Promise.resolve() };
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ serviceName: env.OTEL_SERVICE_NAME ?? 'cipher', instrumentations: [] });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
