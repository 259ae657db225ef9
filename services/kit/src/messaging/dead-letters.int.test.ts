// Dead letters are visible on /metrics: the depth of each consumer's dead-letter queue,
// read from the real broker when Prometheus scrapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../service.ts';
import { createTestDatabase, eventually, testBroker, uniqueSuffix, type TestBroker, type TestDatabase } from '../testing/infra.ts';
import { sampleTransactionCreated } from '../testing/samples.ts';
import { createEnvelope } from './envelope.ts';

const ticket = sampleTransactionCreated({ transactionId: 't-poison' });

describe.each(['rabbitmq', 'nats'] as const)('dead letters over %s', (kind) => {
  let database: TestDatabase;
  let target: TestBroker;
  let service: Service;
  let base: string;
  const consumer = `kit-dlq-${uniqueSuffix()}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    target = testBroker(kind);
    service = await createService({
      name: 'kit-dlq-test',
      env: { ...target.env, DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'silent' },
      events: { consumer, handlers: { TransactionCreated: () => Promise.resolve() } },
    });
    base = `http://127.0.0.1:${(await service.start()).httpPort}`;
  });

  afterAll(async () => {
    await service.stop();
    await target.cleanup([consumer]);
    await database.drop();
  });

  const depth = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(new RegExp(`metrox_dead_letter_messages\\{queue="${consumer}"\\} (\\d+)`).exec(text)?.[1] ?? Number.NaN);
  };

  it('metrox_dead_letter_messages counts a poison message, and no longer once it was taken', async () => {
    expect(await depth()).toBe(0);
    const poison = { ...createEnvelope('TransactionCreated', ticket, { source: 'kit-test' }), data: { ...ticket, fareCents: -1 } };
    await service.kit.broker.publish([{ id: poison.id, type: poison.type, body: Buffer.from(JSON.stringify(poison)), headers: {} }]);
    await eventually(depth, (n) => n === 1);
    const letters = await service.kit.broker.takeDeadLetters(consumer, 10);
    expect(letters).toHaveLength(1);
    await eventually(depth, (n) => n === 0);
  });
});
