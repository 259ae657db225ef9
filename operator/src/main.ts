// Entry point of the operator process.
import { loadOperatorConfig } from './install/configuration.ts';
import { KubeClient, loadConnection } from './controller/kube-client.ts';
import { jsonLog, startManager } from './controller/manager.ts';

const config = loadOperatorConfig();
const client = new KubeClient(loadConnection(), { maxSockets: Math.max(16, config.concurrency * 4) });
const manager = await startManager(client, config);
jsonLog('info', 'metrox operator started', { identity: config.identity, port: config.httpPort, watchNamespace: config.watchNamespace ?? '(all)' });

let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    jsonLog('info', 'shutting down', { signal });
    manager.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        jsonLog('error', 'shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  });
}
