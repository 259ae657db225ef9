// Broker topology of a service on RabbitMQ, declared idempotently: the topic
// exchange of all events, the service's durable quorum queue and its dead-letter
// queue (the same arguments the service kit declares, so neither side fails a
// redeclaration), and bindings for exactly the subscribed event types.
import amqp from 'amqplib';

export interface QueueTopology {
  exchange: string;
  queue: string;
  subscribes: string[];
  /** Types bound before (from status): bindings no longer wanted are removed. */
  previouslyBound: string[];
}

const queueArguments = { 'x-queue-type': 'quorum' };

export function deadLetterQueue(queue: string): string {
  return `${queue}.dlq`;
}

async function withChannel<T>(url: string, work: (channel: amqp.Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(url, { timeout: 5_000 });
  connection.on('error', () => {
    // Reported through the failing operation.
  });
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {
      // Reported through the failing operation.
    });
    return await work(channel);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export async function ensureQueueTopology(url: string, topology: QueueTopology): Promise<void> {
  await withChannel(url, async (channel) => {
    await channel.assertExchange(topology.exchange, 'topic', { durable: true });
    await channel.assertQueue(topology.queue, { durable: true, arguments: queueArguments });
    await channel.assertQueue(deadLetterQueue(topology.queue), { durable: true, arguments: queueArguments });
    for (const type of topology.subscribes) await channel.bindQueue(topology.queue, topology.exchange, type);
    for (const type of topology.previouslyBound) {
      if (!topology.subscribes.includes(type)) await channel.unbindQueue(topology.queue, topology.exchange, type);
    }
  });
}

export async function ensureExchange(url: string, exchange: string): Promise<void> {
  await withChannel(url, (channel) => channel.assertExchange(exchange, 'topic', { durable: true }));
}

export async function deleteQueues(url: string, queue: string): Promise<void> {
  await withChannel(url, async (channel) => {
    await channel.deleteQueue(queue);
    await channel.deleteQueue(deadLetterQueue(queue));
  });
}
