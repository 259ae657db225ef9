// Broker topology of a service on RabbitMQ. The operator is its one owner: it
// declares everything of @metrox/contracts/broker-topology (the topic exchange, the
// service's quorum queue, its dead-letter queue and one retry queue per backoff
// delay, bindings for exactly the subscribed types) and deletes all of it with the
// MetroXService. The service kit only checks it exists (its METROX_QUEUE is set).
import { consumerQueues, defaultRetryPolicy, queueNames, type RetryPolicy } from '@metrox/contracts/broker-topology';
import type { V1EnvVar } from '@kubernetes/client-node';
import amqp from 'amqplib';
import { inSpan } from '../telemetry/spans.ts';
import { OwnedByAnotherService } from './ownership.ts';

export interface QueueTopology {
  exchange: string;
  queue: string;
  subscribes: string[];
  /** Types bound before (from status): bindings no longer wanted are removed. */
  previouslyBound: string[];
  /** The service's backoff: one retry queue per delay (retryPolicyOf). */
  retry: RetryPolicy;
}

export function deadLetterQueue(queue: string): string {
  return queueNames.deadLetterQueue(queue);
}

/**
 * The retry delays the service's kit will use: its defaults, or CONSUMER_RETRY_BASE_MS /
 * CONSUMER_RETRY_MAX_MS from spec.env. Only plain values can be known here; the kit
 * refuses to start if the queues for its delays are missing, naming them.
 */
export function retryPolicyOf(env: readonly V1EnvVar[] = []): RetryPolicy {
  const value = (name: string, fallback: number): number => {
    const configured = Number(env.find((variable) => variable.name === name)?.value);
    return Number.isInteger(configured) && configured > 0 ? configured : fallback;
  };
  return { baseDelayMs: value('CONSUMER_RETRY_BASE_MS', defaultRetryPolicy.baseDelayMs), maxDelayMs: value('CONSUMER_RETRY_MAX_MS', defaultRetryPolicy.maxDelayMs) };
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
    for (const queue of consumerQueues(topology)) await channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
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

/**
 * Deletes every queue of `owner`'s topology (the main queue with its bindings, dead
 * letters, the retry queues of `retry`) and the owner mark; throws OwnedByAnotherService,
 * deleting nothing, when they are another's. Deleting a queue that is gone is harmless.
 */
export function deleteQueues(url: string, queue: string, owner: string, retry: RetryPolicy): Promise<void> {
  return inSpan('wiring.broker.delete', spanAttributes(queue, owner), () => deleteQueuesNow(url, queue, owner, retry));
}

async function deleteQueuesNow(url: string, queue: string, owner: string, retry: RetryPolicy): Promise<void> {
  await claimQueue(url, queue, owner);
  await withChannel(url, async (channel) => {
    for (const declared of consumerQueues({ queue, retry })) await channel.deleteQueue(declared.name);
    await channel.deleteExchange(ownerMarker(queue));
  });
}
