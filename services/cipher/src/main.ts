// The cipher helper process: configure, start, reload keys on SIGHUP, drain on SIGTERM.
import { readConfig } from './config.ts';
import { startCipherHelper } from './helper.ts';
import { createCipherLogger } from './observability/logger.ts';
import { startTracing } from './observability/sdk.ts';

const config = readConfig();
const logger = createCipherLogger(config.logLevel);
const tracing = await startTracing();

try {
  const helper = await startCipherHelper(config, logger, { collectDefaultMetrics: true });
  process.on('SIGHUP', () => void helper.reloadKeys());
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void helper
      .close()
      .then(() => tracing.shutdown())
      .finally(() => {
        logger.flush();
        process.exit(0);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  logger.fatal({ err: error }, 'cipher helper failed to start');
  logger.flush();
  process.exitCode = 1;
  await tracing.shutdown();
}
