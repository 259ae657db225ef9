// Entry point of the operator process.
import { shutdownTelemetry } from '@metrox/telemetry';
import { loadOperatorConfig } from './install/configuration.ts';
import { startManager } from './reconciler/operator.ts';
import { KubeClient, loadConnection } from './runtime/kube-client.ts';
import { plainLog, startOperatorTelemetry } from './telemetry/start.ts';

let jsonLog = plainLog;

// A bad setting or a missing kubeconfig is one clear log line and exit code 1, not a stack trace.
function startupFailed(error: unknown): never {
  jsonLog('error', 'cannot start the operator', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

const [config, client] = (() => {
  try {
    // First: the logger every later line goes through, and tracing.
    jsonLog = startOperatorTelemetry().log;
    const loaded = loadOperatorConfig();
    return [loaded, new KubeClient(loadConnection(), { maxSockets: Math.max(16, loaded.concurrency * 4) })] as const;
  } catch (error) {
    return startupFailed(error);
  }
})();
const manager = await startManager(client, config, jsonLog).catch(startupFailed);
jsonLog('info', 'metrox operator started', { identity: config.identity, port: manager.port, watchNamespace: config.watchNamespace ?? '(all)' });

let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    jsonLog('info', 'shutting down', { signal });
    // Spans still buffered are exported before the process ends.
    manager.stop().then(shutdownTelemetry).then(
      () => process.exit(0),
      (error: unknown) => {
        jsonLog('error', 'shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  });
}
