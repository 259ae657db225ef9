import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../support/endpoints.ts';

describe('RabbitMQ is real', () => {
  let connection: amqp.ChannelModel;
  const queue = `smoke.${randomUUID()}`;

  beforeAll(async () => {
    connection = await amqp.connect(endpoints().AMQP_URL);
  });
  afterAll(async () => {
    await connection.close();
  });

  it('publishes with confirms and delivers to a consumer', async () => {
    const confirm = await connection.createConfirmChannel();
    await confirm.assertQueue(queue, { exclusive: false, autoDelete: true, arguments: { 'x-queue-type': 'classic' } });
    const body = Buffer.from(JSON.stringify({ hello: 'metro' }));
    // waitForConfirms resolves only once the broker has acked every publish.
    confirm.sendToQueue(queue, body, { messageId: 'm-1', persistent: true });
    await confirm.waitForConfirms();

    const consumer = await connection.createChannel();
    const received = new Promise<amqp.ConsumeMessage>((resolve) => {
      void consumer.consume(queue, (message) => {
        if (message) {
          consumer.ack(message);
          resolve(message);
        }
      });
    });
    const message = await received;
    expect(message.properties.messageId).toBe('m-1');
    expect(JSON.parse(message.content.toString())).toEqual({ hello: 'metro' });
    await consumer.close();
    await confirm.close();
  });

  it('answers a passive check for a missing queue with the broker\'s 404', async () => {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await expect(channel.checkQueue(`smoke.missing.${randomUUID()}`)).rejects.toThrow(/404|NOT_FOUND/);
  });
});
