// The preload and the service are separate module graphs at start-up; a process-wide
// slot lets graceful shutdown flush whatever telemetry the preload started.
const slot = Symbol.for('metrox.telemetry.shutdown');

type Holder = Record<typeof slot, (() => Promise<void>) | undefined>;

export function registerTelemetryShutdown(shutdown: () => Promise<void>): void {
  (globalThis as unknown as Holder)[slot] = shutdown;
}

/** Flushes and stops the SDK if one was started; a no-op with OTEL_SDK_DISABLED=true. */
export async function shutdownTelemetry(): Promise<void> {
  const holder = globalThis as unknown as Holder;
  const shutdown = holder[slot];
  holder[slot] = undefined;
  await shutdown?.();
}
