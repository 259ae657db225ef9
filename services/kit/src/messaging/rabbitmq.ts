// RabbitMQ broker (the default). The topology is described once, in
// @metrox/contracts/broker-topology (exchange, quorum queue bound to each subscribed
// type, one retry queue per backoff delay, dead-letter queue). Its owner declares it:
// the operator in a cluster (it also deletes it with the MetroXService), and here the
// broker only checks that it exists (`topology: 'assert'`, METROX_QUEUE set). Without an
// operator (local processes, tests) the broker declares the same description itself.
// Publishing uses a confirm channel: publish() resolves only when the broker confirmed
// every message. A lost connection is re-established with backoff and consumers resume.
import { consumerQueues, queueNames, retryDelaysMs, retryQueue, type ConsumerTopology, type RetryPolicy } from '@metrox/contracts/broker-topology';
import amqp from 'amqplib';
import type { Logger } from 'pino';
import { untraced } from '../telemetry/trace-context.ts';
import { headerNames, reconnectDelayMs, type Broker, type ConsumerHandle, type DeadLetter, type Delivery, type OutgoingMessage, type Settlement, type Subscription } from './broker.ts';

/** Who declares queues and bindings: this process, or an owner outside it (the operator) whose work is only checked. */
export type TopologyMode = 'declare' | 'assert';

export interface RabbitMqOptions {
  url: string;
  exchange: string;
  logger: Logger;
  /** Delays of the retry queues (the consumer's backoff). */
  retry: RetryPolicy;
  topology?: TopologyMode;
}

export const rabbitTopology = {
  ...queueNames,
  queueArguments: { 'x-queue-type': 'quorum' },
} as const;

/** A queue the owner of the topology should have declared is missing: say so, once, plainly. */
export class TopologyMissingError extends Error {
  override name = 'TopologyMissingError';
}

/** Declares a consumer's whole topology (idempotent) where no operator does: the same description its wiring declares. */
export async function declareConsumerTopology(channel: amqp.Channel, topology: ConsumerTopology): Promise<void> {
  await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  for (const queue of consumerQueues(topology)) await channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
  for (const type of topology.subscribes) await channel.bindQueue(queueNames.queue(topology.queue), topology.exchange, type);
}

/**
 * Checks, without declaring anything, that a consumer's exchange and queues exist. A
 * passive check of a missing queue closes its channel, so each runs on a channel of its
 * own. (Bindings cannot be checked over AMQP; the operator binds what spec.events says
 * and the kit's start-up check compares that with the declaration.)
 */
export async function assertConsumerTopology(connection: amqp.ChannelModel, topology: ConsumerTopology): Promise<void> {
  const expected = [{ kind: 'exchange', name: topology.exchange }, ...consumerQueues(topology).map((queue) => ({ kind: 'queue', name: queue.name }))];
  for (const { kind, name } of expected) {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      if (kind === 'exchange') await channel.checkExchange(name);
      else await channel.checkQueue(name);
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
      throw new TopologyMissingError(
        `RabbitMQ ${kind} ${name} does not exist: the operator declares this service's topology (METROX_QUEUE is set) and has not, or declared it for other retry delays (CONSUMER_RETRY_BASE_MS / CONSUMER_RETRY_MAX_MS must be plain values in spec.env)`,
        { cause: error },
      );
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}

interface ActiveConsumer {
  subscription: Subscription;
  handle: (delivery: Delivery) => Promise<Settlement>;
  channel: amqp.Channel | undefined;
  tag: string | undefined;
  /** A start in progress, so a consumer is never started twice on one connection. */
  starting: Promise<void> | undefined;
  inFlight: Set<Promise<void>>;
  stopped: boolean;
}

function stringHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') result[key] = String(value);
  }
  return result;
}

export class RabbitMqBroker implements Broker {
  readonly kind = 'rabbitmq';
  readonly #options: RabbitMqOptions;
  #connection: amqp.ChannelModel | undefined;
  #publisher: amqp.ConfirmChannel | undefined;
  #connecting: Promise<void> | undefined;
  #reconnecting = false;
  #closing = false;
  readonly #consumers = new Set<ActiveConsumer>();
  readonly #declaredRetryQueues = new Set<string>();

  constructor(options: RabbitMqOptions) {
    this.#options = options;
  }

  isConnected(): boolean {
    return this.#connection !== undefined && this.#publisher !== undefined;
  }

  async connect(): Promise<void> {
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    await this.#connecting;
  }

  /**
   * Opens a connection, declares the exchange and (re)starts every consumer on it. Until all
   * of that worked the broker is not connected; a failure closes the half-open connection.
   */
  async #open(): Promise<void> {
    // Small frames (confirms, acks) must not wait for Nagle's algorithm.
    const connection = await amqp.connect(this.#options.url, { noDelay: true, clientProperties: { connection_name: 'metrox-kit' } });
    connection.on('error', (error: unknown) => {
      this.#options.logger.warn({ err: error }, 'RabbitMQ connection error');
    });
    connection.on('close', () => {
      this.#lost(connection);
    });
    try {
      const publisher = await connection.createConfirmChannel();
      publisher.on('error', (error: unknown) => {
        this.#options.logger.warn({ err: error }, 'RabbitMQ publisher channel error');
      });
      publisher.on('close', () => {
        if (this.#publisher !== publisher) return;
        this.#publisher = undefined;
        // A closed channel on an open connection (e.g. a 404 on a missing queue): start
        // over with a fresh connection, which re-declares everything.
        if (!this.#closing) void connection.close().catch(() => undefined);
      });
      await publisher.assertExchange(this.#options.exchange, 'topic', { durable: true });
      this.#connection = connection;
      this.#publisher = publisher;
      for (const consumer of this.#consumers) await this.#ensureConsumer(consumer, connection);
    } catch (error) {
      if (this.#connection === connection) {
        this.#connection = undefined;
        this.#publisher = undefined;
      }
      connection.removeAllListeners('close');
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  /** The connection went away (broker restart, network, an operator closing it): reconnect. */
  #lost(connection: amqp.ChannelModel): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    this.#publisher = undefined;
    this.#declaredRetryQueues.clear();
    for (const consumer of this.#consumers) {
      consumer.channel = undefined;
      consumer.tag = undefined;
    }
    if (this.#closing) return;
    this.#options.logger.warn('RabbitMQ connection lost; reconnecting');
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    void this.#reconnect().finally(() => {
      this.#reconnecting = false;
    });
  }

  /** Until connected or closed: exponential backoff between attempts, no attempt limit. */
  async #reconnect(): Promise<void> {
    const wanted = () => !this.#closing && !this.isConnected();
    for (let attempt = 1; wanted(); attempt++) {
      const delay = reconnectDelayMs(attempt);
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (!wanted()) return;
      try {
        await this.connect();
        this.#options.logger.info({ attempt }, 'RabbitMQ reconnected; topology declared and consumers resumed');
        return;
      } catch (error) {
        this.#options.logger.warn({ err: error, attempt, nextInMs: reconnectDelayMs(attempt + 1) }, 'RabbitMQ reconnect failed');
      }
    }
  }

  #requirePublisher(): amqp.ConfirmChannel {
    if (!this.#publisher) throw new Error('RabbitMQ is not connected');
    return this.#publisher;
  }

  async publish(batch: OutgoingMessage[]): Promise<void> {
    const channel = this.#requirePublisher();
    const confirms = batch.map(
      (message) =>
        new Promise<void>((resolve, reject) => {
          const confirmed = (error: unknown) => {
            if (error) reject(new Error(`RabbitMQ did not confirm event ${message.id}`, { cause: error }));
            else resolve();
          };
          const options: amqp.Options.Publish = {
            persistent: true,
            messageId: message.id,
            type: message.type,
            contentType: message.headers['content-type'],
            timestamp: Math.floor(Date.now() / 1_000),
            headers: message.headers,
          };
          // The relay's span is the producer span, and its context is already in the headers.
          // The amqplib instrumentation would add a second one outside any trace (the relay
          // runs in none) and overwrite that header with it, so the delivery would start a
          // trace of its own instead of continuing the event's.
          untraced(() => channel.publish(this.#options.exchange, message.type, message.body, options, confirmed));
        }),
    );
    await Promise.all(confirms);
  }

  async #send(queue: string, body: Buffer, headers: Record<string, string>, properties: amqp.Options.Publish): Promise<void> {
    const channel = this.#requirePublisher();
    await new Promise<void>((resolve, reject) => {
      channel.sendToQueue(queue, body, { ...properties, persistent: true, headers }, (error: unknown) => {
        if (error) reject(new Error(`RabbitMQ did not confirm a message to ${queue}`, { cause: error }));
        else resolve();
      });
    });
  }

  #topologyOf(consumer: string, types: readonly string[]): ConsumerTopology {
    return { exchange: this.#options.exchange, queue: consumer, subscribes: types, retry: this.#options.retry };
  }

  /**
   * The retry queue for `delayMs`. Sending to a queue that does not exist would drop the
   * message, so: declared here when this process owns the topology (a delay outside the
   * configured backoff included), and refused when the operator does and has no such queue.
   */
  async #retryQueue(consumer: string, delayMs: number): Promise<string> {
    const queue = retryQueue(consumer, delayMs);
    if (this.#declaredRetryQueues.has(queue.name)) return queue.name;
    if (this.#options.topology === 'assert') {
      if (!retryDelaysMs(this.#options.retry).includes(delayMs)) {
        throw new TopologyMissingError(`no retry queue for ${String(delayMs)} ms: the operator declares ${consumer}'s retry queues for the delays of CONSUMER_RETRY_BASE_MS / CONSUMER_RETRY_MAX_MS only`);
      }
    } else {
      await this.#requirePublisher().assertQueue(queue.name, { durable: true, arguments: queue.arguments });
    }
    this.#declaredRetryQueues.add(queue.name);
    return queue.name;
  }

  async consume(subscription: Subscription, handle: (delivery: Delivery) => Promise<Settlement>): Promise<ConsumerHandle> {
    const consumer: ActiveConsumer = { subscription, handle, channel: undefined, tag: undefined, starting: undefined, inFlight: new Set(), stopped: false };
    this.#consumers.add(consumer);
    // Not connected now: the (re)connection starts it.
    if (this.#connection) {
      await this.#ensureConsumer(consumer, this.#connection).catch((error: unknown) => {
        // Not started (its topology missing, say): nothing to resume on a reconnect.
        this.#consumers.delete(consumer);
        throw error;
      });
    }
    return {
      stop: async () => {
        consumer.stopped = true;
        if (consumer.channel && consumer.tag) await consumer.channel.cancel(consumer.tag).catch(() => undefined);
        await Promise.allSettled([...consumer.inFlight]);
        await consumer.channel?.close().catch(() => undefined);
        this.#consumers.delete(consumer);
      },
    };
  }

  async #ensureConsumer(consumer: ActiveConsumer, connection: amqp.ChannelModel): Promise<void> {
    if (consumer.stopped || consumer.channel) return;
    consumer.starting ??= this.#startConsumer(consumer, connection).finally(() => {
      consumer.starting = undefined;
    });
    await consumer.starting;
  }

  async #startConsumer(consumer: ActiveConsumer, connection: amqp.ChannelModel): Promise<void> {
    const topology = this.#topologyOf(consumer.subscription.consumer, consumer.subscription.types);
    // Checked before the consumer's channel exists, so a missing queue leaves nothing open.
    if (this.#options.topology === 'assert') await assertConsumerTopology(connection, topology);
    const channel = await connection.createChannel();
    channel.on('error', (error: unknown) => {
      this.#options.logger.warn({ err: error, consumer: consumer.subscription.consumer }, 'RabbitMQ consumer channel error');
    });
    channel.on('close', () => {
      if (consumer.channel !== channel) return;
      consumer.channel = undefined;
      consumer.tag = undefined;
      // The channel alone closed (e.g. a delivery acknowledgement timeout): start it again
      // on the same connection. A closing connection is the reconnect's business.
      setTimeout(() => {
        if (!this.#closing && this.#connection === connection) {
          this.#ensureConsumer(consumer, connection).catch((error: unknown) => {
            this.#options.logger.error({ err: error, consumer: consumer.subscription.consumer }, 'could not restart a RabbitMQ consumer; reconnecting');
            void connection.close().catch(() => undefined);
          });
        }
      }, reconnectDelayMs(1)).unref();
    });
    if (this.#options.topology !== 'assert') await declareConsumerTopology(channel, topology);
    await channel.prefetch(consumer.subscription.prefetch);
    const { consumerTag } = await channel.consume(rabbitTopology.queue(consumer.subscription.consumer), (message) => {
      if (!message) return; // cancelled by the broker (queue deleted): the channel's close restarts it
      const work = this.#process(consumer, channel, message).finally(() => consumer.inFlight.delete(work));
      consumer.inFlight.add(work);
    });
    consumer.channel = channel;
    consumer.tag = consumerTag;
    if (consumer.stopped) await channel.close().catch(() => undefined);
  }

  async #process(consumer: ActiveConsumer, channel: amqp.Channel, message: amqp.ConsumeMessage): Promise<void> {
    const headers = stringHeaders(message.properties.headers);
    const scheduled = Number(headers[headerNames.attempt] ?? '1');
    // Quorum queues count broker redeliveries (a consumer died before acking).
    const redeliveries = Number(headers['x-delivery-count'] ?? '0');
    const attempt = (Number.isFinite(scheduled) ? scheduled : 1) + (Number.isFinite(redeliveries) ? redeliveries : 0);
    const settlement = await consumer.handle({ body: message.content, headers, attempt });
    const name = consumer.subscription.consumer;
    try {
      if (settlement.kind === 'retry') {
        await this.#send(await this.#retryQueue(name, settlement.delayMs), message.content, { ...headers, [headerNames.attempt]: String(attempt + 1) }, message.properties);
      } else if (settlement.kind === 'dead-letter') {
        await this.#send(
          rabbitTopology.deadLetterQueue(name),
          message.content,
          { ...headers, [headerNames.deadLetterReason]: settlement.reason.slice(0, 2_000), [headerNames.deadLetterConsumer]: name, [headerNames.attempt]: String(attempt) },
          message.properties,
        );
      }
      channel.ack(message);
    } catch (error) {
      // Could not move it: give it back so it is not lost (it comes again, the inbox de-duplicates).
      this.#options.logger.error({ err: error, consumer: name }, 'could not settle a delivery; requeued');
      try {
        channel.nack(message, false, true);
      } catch {
        // The channel is gone: the broker requeues unacknowledged messages itself.
      }
    }
  }

  async takeDeadLetters(consumer: string, max: number): Promise<DeadLetter[]> {
    if (!this.#connection) throw new Error('RabbitMQ is not connected');
    const channel = await this.#connection.createChannel();
    try {
      const queue = rabbitTopology.deadLetterQueue(consumer);
      // Passive: the dead-letter queue is the topology owner's to declare.
      await channel.checkQueue(queue);
      const letters: DeadLetter[] = [];
      while (letters.length < max) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        const headers = stringHeaders(message.properties.headers);
        letters.push({ body: message.content, headers, reason: headers[headerNames.deadLetterReason] ?? '' });
        channel.ack(message);
      }
      return letters;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async deadLetterDepths(): Promise<Record<string, number>> {
    const consumers = new Set([...this.#consumers].filter((c) => !c.stopped).map((c) => c.subscription.consumer));
    if (consumers.size === 0) return {};
    if (!this.#connection) throw new Error('RabbitMQ is not connected');
    // Its own channel: a passive check of a missing queue closes the channel it runs on.
    const channel = await this.#connection.createChannel();
    channel.on('error', () => undefined);
    try {
      const depths: Record<string, number> = {};
      for (const consumer of consumers) {
        depths[consumer] = (await channel.checkQueue(rabbitTopology.deadLetterQueue(consumer))).messageCount;
      }
      return depths;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    for (const consumer of [...this.#consumers]) {
      consumer.stopped = true;
      await Promise.allSettled([...consumer.inFlight]);
    }
    await this.#connection?.close().catch(() => undefined);
    this.#connection = undefined;
    this.#publisher = undefined;
  }
}
