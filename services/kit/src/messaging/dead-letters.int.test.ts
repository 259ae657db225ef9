// Dead letters are visible on /metrics: the depth of each consumer's dead-letter queue,
// read from the real broker when Prometheus scrapes. A handler's PermanentFailure
// dead-letters its event on the first attempt, with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../service.ts';
import { createTestDatabase, eventually, testBroker, uniqueSuffix, type TestBroker, type TestDatabase } from '../testing/infra.ts';
import { sampleTransactionCreated } from '../testing/samples.ts';
import { createEnvelope } from './envelope.ts';
import { PermanentFailure } from './retry.ts';

const ticket = sampleTransactionCreated({ transactionId: 't-poison' });
const hopeless = sampleTransactionCreated({ transactionId: 't-hopeless' });

describe.each(['rabbitmq', 'nats'] as const)('dead letters over %s', (kind) => {
  let database: TestDatabase;
  let target: TestBroker;
  let service: Service;
  let base: string;
  const consumer = `kit-dlq-${uniqueSuffix()}`;
  /** Attempts the handler saw, by transaction id. */
  const attempts = new Map<string, number[]>();

  beforeAll(async () => {
    database = await createTestDatabase();
    target = testBroker(kind);
    service = await createService({
      name: 'kit-dlq-test',
      env: { ...target.env, DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'silent',
        // Many quick attempts allowed: only a permanent failure can reach the dead-letter queue at once.
        CONSUMER_MAX_ATTEMPTS: '10', CONSUMER_RETRY_BASE_MS: '50', CONSUMER_RETRY_MAX_MS: '100' },
      events: {
        consumer,
        handlers: {
          TransactionCreated: (data, ctx) => {
            attempts.set(data.transactionId, [...(attempts.get(data.transactionId) ?? []), ctx.attempt]);
            if (data.transactionId === hopeless.transactionId) return Promise.reject(new PermanentFailure(`no such rider ${data.riderId}`));
            return Promise.resolve();
          },
        },
      },
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

  /** metrox_events_consumed_total of TransactionCreated with this outcome. */
  const consumed = async (outcome: string) =>
    (await (await fetch(`${base}/metrics`)).text())
      .split('\n')
      .filter((line) => line.startsWith('metrox_events_consumed_total{') && line.includes(`outcome="${outcome}"`) && line.includes('type="TransactionCreated"'))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);

  it('metrox_dead_letter_messages counts a poison message, and no longer once it was taken', async () => {
    expect(await depth()).toBe(0);
    const poison = { ...createEnvelope('TransactionCreated', ticket, { source: 'kit-test' }), data: { ...ticket, fareCents: -1 } };
    await service.kit.broker.publish([{ id: poison.id, type: poison.type, body: Buffer.from(JSON.stringify(poison)), headers: {} }]);
    await eventually(depth, (n) => n === 1);
    const letters = await service.kit.broker.takeDeadLetters(consumer, 10);
    expect(letters).toHaveLength(1);
    await eventually(depth, (n) => n === 0);
  });

  it('a handler throwing PermanentFailure dead-letters the event on its one and only attempt, with the reason', async () => {
    const before = { deadLettered: await consumed('dead_lettered'), retried: await consumed('retried') };
    const event = createEnvelope('TransactionCreated', hopeless, { source: 'kit-test' });
    await service.kit.broker.publish([{ id: event.id, type: event.type, body: Buffer.from(JSON.stringify(event)), headers: {} }]);
    await eventually(depth, (n) => n === 1);
    const [letter, ...others] = await service.kit.broker.takeDeadLetters(consumer, 10);
    expect(others).toEqual([]);
    expect(letter?.reason).toBe(`permanent failure: no such rider ${hopeless.riderId}`);
    expect((JSON.parse(letter?.body.toString() ?? '{}') as { id?: string }).id).toBe(event.id);
    // The consumer counted it dead-lettered once and never retried it.
    expect(await consumed('dead_lettered')).toBe(before.deadLettered + 1);
    expect(await consumed('retried')).toBe(before.retried);
    expect(attempts.get(hopeless.transactionId)).toEqual([1]);
  });
});
