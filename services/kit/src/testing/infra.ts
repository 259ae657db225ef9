// Test support: a private database and private broker names per test file, so test
// files run in parallel against the same servers without seeing each other's events.
import { endpoints } from '@metrox/test/endpoints';
import amqp from 'amqplib';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import pg from 'pg';
import type { BrokerConfig } from '../config.ts';

export const uniqueSuffix = () => `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'kit_test'): Promise<TestDatabase> {
  const admin = endpoints().DATABASE_URL;
  const name = `${prefix}_${uniqueSuffix()}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestBroker {
  config: BrokerConfig;
  /** Environment variables selecting this broker, for createService({ env }). */
  env: Record<string, string>;
  /** Removes what the test declared: the consumers' queues (and any extra queues) and the exchange, or the streams. */
  cleanup(consumers: string[], extraQueues?: string[]): Promise<void>;
}

export function testBroker(kind: 'rabbitmq' | 'nats'): TestBroker {
  const suffix = uniqueSuffix();
  if (kind === 'rabbitmq') {
    const url = endpoints().AMQP_URL;
    const exchange = `test.events.${suffix}`;
    return {
      config: { kind, url, exchange },
      env: { BROKER: 'rabbitmq', AMQP_URL: url, AMQP_EXCHANGE: exchange },
      async cleanup(consumers, extraQueues = []) {
        const connection = await amqp.connect(url);
        const channel = await connection.createChannel();
        for (const queue of [...consumers.flatMap((consumer) => [consumer, `${consumer}.dlq`]), ...extraQueues]) await channel.deleteQueue(queue);
        await channel.deleteExchange(exchange);
        await connection.close();
      },
    };
  }
  const url = endpoints().NATS_URL;
  const stream = `TEST_${suffix}`;
  const subjectPrefix = `test.${suffix}`;
  return {
    config: { kind, url, stream, subjectPrefix },
    env: { BROKER: 'nats', NATS_URL: url, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: subjectPrefix },
    async cleanup() {
      const connection = await connect({ servers: url });
      const jsm = await jetstreamManager(connection);
      for (const name of [stream, `${stream}_DLQ`]) await jsm.streams.delete(name).catch(() => false);
      await connection.drain();
    },
  };
}

/** Polls until `probe` returns a value that `done` accepts; fails with the last value. */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${inspect(last, { depth: 2, maxArrayLength: 20 })}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await probe();
  }
  return last;
}
