// What an end-to-end inbox test runs on: a database of its own with the kit's tables and
// the test's, a connected broker of either kind, and an inbox consuming from it; stop()
// removes all of it, the consumer's queues included.
import { queueNames, retryDelaysMs } from '@metrox/contracts/broker-topology';
import { kitMigrations } from '../db/kit-migrations.ts';
import { migrate, type Migration } from '../db/migrate.ts';
import { createPool, type Pool } from '../db/pool.ts';
import type { Broker } from '../messaging/broker.ts';
import { createBroker } from '../messaging/create-broker.ts';
import { startInbox, type InboxOptions } from '../messaging/inbox.ts';
import { createTestDatabase, testBroker, type TestBroker, type TestDatabase } from './infra.ts';

export interface InboxFixture {
  database: TestDatabase;
  target: TestBroker;
  pool: Pool;
  broker: Broker;
  stop: () => Promise<void>;
}

export async function startInboxFixture(kind: 'rabbitmq' | 'nats', migrations: Migration[], options: Omit<InboxOptions, 'pool' | 'broker'>): Promise<InboxFixture> {
  const database = await createTestDatabase();
  const pool = createPool(database.url);
  await migrate(pool, [...kitMigrations, ...migrations]);
  const target = testBroker(kind);
  const broker = createBroker(target.config, options.logger);
  await broker.connect();
  const inbox = await startInbox({ ...options, pool, broker });
  const stop = async () => {
    await inbox.stop();
    await broker.close();
    await pool.end();
    await target.cleanup([options.consumer], retryDelaysMs(options.retry).map((ms) => queueNames.retryQueue(options.consumer, ms)));
    await database.drop();
  };
  return { database, target, pool, broker, stop };
}
