// Broker topology of a service on RabbitMQ, declared idempotently: the topic
// exchange of all events, the service's durable quorum queue and its dead-letter
// queue (the same arguments the service kit declares, so neither side fails a
// redeclaration), and bindings for exactly the subscribed event types.
import amqp from 'amqplib';
import { inSpan } from '../telemetry/spans.ts';
import { OwnedByAnotherService } from './ownership.ts';

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

/** The exchange whose declaration records who owns a queue. */
export function ownerMarker(queue: string): string {
  return `metrox.owner.${queue}`;
}

/**
 * Claims `queue` for `owner`, or throws OwnedByAnotherService. Queue arguments must
 * stay exactly the service kit's (a redeclaration with others fails), so the owner
 * is recorded on a marker exchange instead: declared durable and internal with the
 * owner as its `alternate-exchange` argument, which RabbitMQ compares on every
 * redeclaration. The first declaration wins, atomically; another owner's is refused
 * with PRECONDITION_FAILED (406), naming the recorded owner.
 */
async function claimQueue(url: string, queue: string, owner: string): Promise<void> {
  try {
    await withChannel(url, (channel) => channel.assertExchange(ownerMarker(queue), 'fanout', { durable: true, internal: true, arguments: { 'alternate-exchange': owner } }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if ((error as { code?: number }).code !== 406 || !message.includes('alternate-exchange')) throw error;
    // "… received 'b/x' but current is 'a/x'" (older RabbitMQ versions: "current is the value 'a/x' of type …").
    const recorded = /current is (?:the value )?'([^']*)'/.exec(message)?.[1] ?? 'in another namespace';
    throw new OwnedByAnotherService(`RabbitMQ queue ${queue}`, recorded, owner, 'The queue is named after the MetroXService: give one of them another name.');
  }
}

/** Declares the topology of `owner`'s queue (claiming it first). */
export function ensureQueueTopology(url: string, topology: QueueTopology, owner: string): Promise<void> {
  return inSpan('wiring.broker.ensure', spanAttributes(topology.queue, owner), () => ensureQueueTopologyNow(url, topology, owner));
}

function spanAttributes(queue: string, owner: string) {
  return { 'messaging.system': 'rabbitmq', 'messaging.destination.name': queue, 'metrox.owner': owner };
}

async function ensureQueueTopologyNow(url: string, topology: QueueTopology, owner: string): Promise<void> {
  await claimQueue(url, topology.queue, owner);
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

export function ensureExchange(url: string, exchange: string): Promise<void> {
  return inSpan('wiring.broker.exchange', { 'messaging.system': 'rabbitmq', 'messaging.destination.name': exchange }, () => ensureExchangeNow(url, exchange));
}

async function ensureExchangeNow(url: string, exchange: string): Promise<void> {
  await withChannel(url, (channel) => channel.assertExchange(exchange, 'topic', { durable: true }));
}

/** Deletes `owner`'s queues and their owner mark; throws OwnedByAnotherService, deleting nothing, when they are another's. */
export function deleteQueues(url: string, queue: string, owner: string): Promise<void> {
  return inSpan('wiring.broker.delete', spanAttributes(queue, owner), () => deleteQueuesNow(url, queue, owner));
}

async function deleteQueuesNow(url: string, queue: string, owner: string): Promise<void> {
  await claimQueue(url, queue, owner);
  await withChannel(url, async (channel) => {
    await channel.deleteQueue(queue);
    await channel.deleteQueue(deadLetterQueue(queue));
    await channel.deleteExchange(ownerMarker(queue));
  });
}
