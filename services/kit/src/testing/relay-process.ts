// A relay in its own process, for the crash test: it holds every batch for a while
// after the broker confirmed it and before marking the rows, so a SIGKILL lands in
// the worst place: published, not yet marked.
import { createBroker } from '../messaging/create-broker.ts';
import { createPool } from '../db/pool.ts';
import { createLogger } from '@metrox/telemetry';
import type { BrokerConfig } from '../config.ts';
import type { Broker } from '../messaging/broker.ts';
import { OutboxRelay } from '../messaging/relay.ts';

const logger = createLogger({ serviceName: 'relay-process', serviceVersion: 'test', level: 'warn' });
const config = JSON.parse(process.env.TEST_BROKER ?? '') as BrokerConfig;
const holdMs = Number(process.env.TEST_HOLD_AFTER_PUBLISH_MS ?? '500');
const real = createBroker(config, logger);
await real.connect();
const slow: Broker = Object.assign(Object.create(real) as Broker, {
  kind: real.kind,
  publish: async (batch: Parameters<Broker['publish']>[0]) => {
    await real.publish(batch);
    await new Promise((resolve) => setTimeout(resolve, holdMs));
  },
});
const relay = new OutboxRelay({
  pool: createPool(process.env.DATABASE_URL ?? ''),
  broker: slow,
  logger,
  batchSize: Number(process.env.TEST_BATCH_SIZE ?? '20'),
  pollIntervalMs: 100,
  retentionSeconds: 3_600,
});
await relay.start();
process.stdout.write('relay started\n');
