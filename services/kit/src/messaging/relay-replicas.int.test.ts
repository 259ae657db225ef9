// Two relays on one outbox (two replicas of a service) against real Postgres and RabbitMQ:
// every row is published, and none twice, because each batch is claimed FOR UPDATE SKIP
// LOCKED and marked in the same transaction that waits for the broker's confirms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kitMigrations } from '../db/kit-migrations.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, withTransaction, type Pool } from '../db/pool.ts';
import { createLogger } from '@metrox/telemetry';
import { createTestDatabase, eventually, testBroker, type TestBroker, type TestDatabase } from '../testing/infra.ts';
import type { Broker, OutgoingMessage } from './broker.ts';
import { createBroker } from './create-broker.ts';
import { createOutboxPublisher } from './outbox.ts';
import { OutboxRelay } from './relay.ts';

const logger = createLogger({ serviceName: 'kit-test', serviceVersion: 'test', level: 'silent' });
const publish = createOutboxPublisher('kit-test');

describe('two relays on one outbox', () => {
  let database: TestDatabase;
  let target: TestBroker;
  let broker: Broker;
  const pools: Pool[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const [first, second] = [createPool(database.url, 4), createPool(database.url, 4)];
    pools.push(first, second);
    await migrate(first, kitMigrations);
    target = testBroker('rabbitmq');
    broker = createBroker(target.config, logger);
    await broker.connect();
  });

  afterAll(async () => {
    await broker.close();
    await Promise.all(pools.map((pool) => pool.end()));
    await target.cleanup([]);
    await database.drop();
  });

  it('publish every row once between them', async () => {
    const [first, second] = pools as [Pool, Pool];
    const total = 300;
    for (let start = 0; start < total; start += 100) {
      await withTransaction(first, async (tx) => {
        for (let n = start; n < start + 100; n++) {
          await publish(tx, 'NotificationSent', {
            notificationId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
            transactionId: `t-${n}`,
            riderId: 'rider-1',
            channel: 'log',
            outcome: 'CONFIRMED',
            sentAt: new Date().toISOString(),
          });
        }
      });
    }
    const published: string[] = [];
    const recording: Broker = Object.assign(Object.create(broker) as Broker, {
      kind: broker.kind,
      publish: async (batch: OutgoingMessage[]) => {
        await broker.publish(batch);
        published.push(...batch.map((message) => message.id));
      },
    });
    const relays = [first, second].map((pool) => new OutboxRelay({ pool, broker: recording, logger, batchSize: 10, pollIntervalMs: 50, retentionSeconds: 3_600 }));
    await Promise.all(relays.map((relay) => relay.start()));
    try {
      await eventually(
        async () => Number((await first.query<{ n: string }>('SELECT count(*) AS n FROM metrox_outbox WHERE published_at IS NULL')).rows[0]?.n),
        (pending) => pending === 0,
      );
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
    }
    expect(published).toHaveLength(total);
    expect(new Set(published).size).toBe(total);
  });
});
