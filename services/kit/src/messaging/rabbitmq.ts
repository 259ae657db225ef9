// RabbitMQ broker (the default). Topology, declared idempotently by every service:
//   exchange  <exchange> (topic, durable)           routing key = event type
//   queue     <consumer> (quorum, durable)          bound to each subscribed type
//   queue     <consumer>.retry.<ms> (classic)       TTL <ms>, dead-letters back to <consumer>
//   queue     <consumer>.dlq (quorum, durable)      dead letters, reason in x-metrox-dead-letter-reason
// Publishing uses a confirm channel: publish() resolves only when the broker confirmed
// every message. A lost connection is re-established with backoff and consumers resume.
import amqp from 'amqplib';
import type { Logger } from 'pino';
import { untraced } from '../telemetry/trace-context.ts';
import { headerNames, reconnectDelayMs, type Broker, type ConsumerHandle, type DeadLetter, type Delivery, type OutgoingMessage, type Settlement, type Subscription } from './broker.ts';

export interface RabbitMqOptions {
  url: string;
  exchange: string;
  logger: Logger;
}

export const rabbitTopology = {
  queue: (consumer: string) => consumer,
  retryQueue: (consumer: string, delayMs: number) => `${consumer}.retry.${delayMs}`,
  deadLetterQueue: (consumer: string) => `${consumer}.dlq`,
  queueArguments: { 'x-queue-type': 'quorum' },
} as const;

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

  async #declareConsumerTopology(channel: amqp.Channel, subscription: Subscription): Promise<void> {
    const queue = rabbitTopology.queue(subscription.consumer);
    await channel.assertExchange(this.#options.exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: true, arguments: rabbitTopology.queueArguments });
    await channel.assertQueue(rabbitTopology.deadLetterQueue(subscription.consumer), {
      durable: true,
      arguments: rabbitTopology.queueArguments,
    });
    for (const type of subscription.types) await channel.bindQueue(queue, this.#options.exchange, type);
  }

  async #retryQueue(consumer: string, delayMs: number): Promise<string> {
    const name = rabbitTopology.retryQueue(consumer, delayMs);
    if (!this.#declaredRetryQueues.has(name)) {
      await this.#requirePublisher().assertQueue(name, {
        durable: true,
        arguments: {
          'x-queue-type': 'classic',
          'x-message-ttl': delayMs,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': rabbitTopology.queue(consumer),
        },
      });
      this.#declaredRetryQueues.add(name);
    }
    return name;
  }

  async consume(subscription: Subscription, handle: (delivery: Delivery) => Promise<Settlement>): Promise<ConsumerHandle> {
    const consumer: ActiveConsumer = { subscription, handle, channel: undefined, tag: undefined, starting: undefined, inFlight: new Set(), stopped: false };
    this.#consumers.add(consumer);
    // Not connected now: the (re)connection starts it.
    if (this.#connection) await this.#ensureConsumer(consumer, this.#connection);
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
    await this.#declareConsumerTopology(channel, consumer.subscription);
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
        const queue = await this.#retryQueue(name, settlement.delayMs);
        await this.#send(queue, message.content, { ...headers, [headerNames.attempt]: String(attempt + 1) }, message.properties);
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
      await channel.assertQueue(queue, { durable: true, arguments: rabbitTopology.queueArguments });
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
