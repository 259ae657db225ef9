// The whole helper: keys, the loopback cipher server, metrics and probes, and the
// periodic key reload. main.ts runs it as a process; tests and benchmarks embed it.
import type { Logger } from 'pino';
import type { CipherConfig } from './config.ts';
import { openKeyDirectory, type KeySource } from './keys/key-directory.ts';
import type { Keyring } from './keys/keyring.ts';
import { createCipherMetrics, type CipherMetrics } from './observability/metrics.ts';
import { startOpsServer, type OpsServer } from './observability/ops-server.ts';
import { startCipherServer, type CipherServer } from './server/server.ts';

export interface CipherHelper {
  server: CipherServer;
  ops: OpsServer;
  keys: KeySource;
  metrics: CipherMetrics;
  /** Re-reads the key directory now (also done every keyReloadIntervalMs, and on SIGHUP in main). */
  reloadKeys(): Promise<Keyring | undefined>;
  close(): Promise<void>;
}

export async function startCipherHelper(config: CipherConfig, logger: Logger, options: { collectDefaultMetrics?: boolean } = {}): Promise<CipherHelper> {
  const metrics = createCipherMetrics({ collectDefaults: options.collectDefaultMetrics ?? false });
  const keys = await openKeyDirectory(config.keysDir);
  let primaryId = '';
  const publishKeys = (keyring: Keyring) => {
    metrics.keys.set(keyring.byId.size);
    if (primaryId !== keyring.primary.id) {
      metrics.primaryKey.reset();
      metrics.primaryKey.set({ key_id: keyring.primary.id }, 1);
      if (primaryId !== '') logger.info({ keyId: keyring.primary.id, keyIds: [...keyring.byId.keys()] }, 'primary key changed');
      primaryId = keyring.primary.id;
    }
  };
  publishKeys(keys.current());

  const server = await startCipherServer({
    host: config.host,
    port: config.port,
    keys,
    limits: { maxFrameBytes: config.maxFrameBytes, idleTimeoutMs: config.idleTimeoutMs, requestTimeoutMs: config.requestTimeoutMs },
    maxConnections: config.maxConnections,
    metrics,
    logger,
  });
  let accepting = true;
  const ops = await startOpsServer({ host: config.opsHost, port: config.opsPort, registry: metrics.registry, ready: () => accepting });

  const reloadKeys = async () => {
    try {
      const keyring = await keys.reload();
      metrics.keyReloads.inc({ outcome: 'ok' });
      publishKeys(keyring);
      return keyring;
    } catch (error) {
      metrics.keyReloads.inc({ outcome: 'failed' });
      logger.error({ err: error, keyId: keys.current().primary.id }, 'key reload failed: keeping the keys already loaded');
      return undefined;
    }
  };
  const reloadTimer = config.keyReloadIntervalMs > 0 ? setInterval(() => void reloadKeys(), config.keyReloadIntervalMs) : undefined;
  reloadTimer?.unref();

  const keyring = keys.current();
  logger.info(
    { address: server.address, opsPort: ops.port, primaryKeyId: keyring.primary.id, keyIds: [...keyring.byId.keys()], maxFrameBytes: config.maxFrameBytes },
    'cipher helper listening',
  );
  return {
    server,
    ops,
    keys,
    metrics,
    reloadKeys,
    async close() {
      accepting = false;
      clearInterval(reloadTimer);
      await server.close(config.shutdownTimeoutMs);
      await ops.close();
    },
  };
}
