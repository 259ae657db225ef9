// The wiring suites' shared ends: the operator's settings for the platform Postgres
// and RabbitMQ, and removing what a suite made there (both servers are shared).
import type amqp from 'amqplib';
import type pg from 'pg';
import { deadLetterQueue } from '../wiring/broker.ts';

/** The operator's environment for wiring against the platform servers; `postgresAdminUrl` may point through a proxy. */
export function wiringEnv(infra: { DATABASE_URL: string; AMQP_URL: string }, exchange: string, postgresAdminUrl = infra.DATABASE_URL): Record<string, string> {
  return { METROX_POSTGRES_ADMIN_URL: postgresAdminUrl, METROX_AMQP_ADMIN_URL: infra.AMQP_URL, METROX_EVENTS_EXCHANGE: exchange };
}

/** Deletes queues (with their dead-letter queues), exchanges, and databases (with their roles); missing ones are fine. */
export async function removeWiring(admin: pg.Pool, broker: amqp.ChannelModel, made: { queues: string[]; exchanges: string[]; databases: string[] }): Promise<void> {
  const channel = await broker.createChannel();
  for (const queue of made.queues.flatMap((q) => [q, deadLetterQueue(q)])) await channel.deleteQueue(queue).catch(() => undefined);
  for (const exchange of made.exchanges) await channel.deleteExchange(exchange).catch(() => undefined);
  await channel.close();
  for (const database of made.databases) {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS "${database}"`);
  }
}
