// NATS JetStream broker. Topology, declared idempotently by every service:
//   stream   <stream>  subjects <prefix>.>        event subject = <prefix>.<type>
//   consumer <consumer>_<type> (durable, explicit ack, one per subscribed type because
//            NATS 2.9 filters a consumer on a single subject)
//   stream   <stream>_DLQ subjects dlq.<prefix>.<consumer>: dead letters with the reason header
// Publishing sets Nats-Msg-Id to the event id, so a batch the relay publishes twice
// (after a crash) is stored once within the stream's duplicate window. Retries use
// nak(delay); the attempt is the server's delivery count.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { headerNames, type Broker, type ConsumerHandle, type DeadLetter, type Delivery, type OutgoingMessage, type Settlement, type Subscription } from './broker.ts';

export interface JetStreamOptions {
  url: string;
  stream: string;
  subjectPrefix: string;
  logger: Logger;
}

const durableName = (consumer: string, type: string) => `${consumer}_${type}`.replace(/[^A-Za-z0-9_-]/g, '_');

export class JetStreamBroker implements Broker {
  readonly kind = 'nats';
  readonly #options: JetStreamOptions;
  #connection: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: JetStreamManager | undefined;
  /** Between a dropped connection and the client's own reconnection (it retries forever). */
  #disconnected = false;
  /** Consumer names with a running subscription, for the dead-letter gauge. */
  readonly #consumers = new Map<string, number>();

  constructor(options: JetStreamOptions) {
    this.#options = options;
  }

  get #deadLetterStream(): string {
    return `${this.#options.stream}_DLQ`;
  }

  #deadLetterSubject(consumer: string): string {
    return `dlq.${this.#options.subjectPrefix}.${consumer}`;
  }

  subject(type: string): string {
    return `${this.#options.subjectPrefix}.${type}`;
  }

  isConnected(): boolean {
    return this.#connection !== undefined && !this.#connection.isClosed() && !this.#disconnected;
  }

  async connect(): Promise<void> {
    if (this.isConnected()) return;
    const connection = await connect({ servers: this.#options.url, maxReconnectAttempts: -1, name: 'metrox-kit' });
    const jsm = await jetstreamManager(connection);
    await this.#ensureStream(jsm, this.#options.stream, [`${this.#options.subjectPrefix}.>`]);
    await this.#ensureStream(jsm, this.#deadLetterStream, [`dlq.${this.#options.subjectPrefix}.>`]);
    this.#connection = connection;
    this.#jsm = jsm;
    this.#js = jetstream(connection);
    this.#disconnected = false;
    void this.#watch(connection);
  }

  /** Follows the client's connection status, so readiness says whether NATS is reachable now. */
  async #watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (this.#connection !== connection) return;
      if (status.type === 'disconnect') {
        this.#disconnected = true;
        this.#options.logger.warn({ server: status.server }, 'NATS connection lost; reconnecting');
      } else if (status.type === 'reconnect') {
        this.#disconnected = false;
        this.#options.logger.info({ server: status.server }, 'NATS reconnected; consumers resume');
      }
    }
  }

  async #ensureStream(jsm: JetStreamManager, name: string, subjects: string[]): Promise<void> {
    try {
      await jsm.streams.info(name);
    } catch {
      try {
        await jsm.streams.add({ name, subjects, duplicate_window: 120_000_000_000 });
      } catch (error) {
        // Another replica created it first.
        await jsm.streams.info(name).catch(() => {
          throw error;
        });
      }
    }
  }

  #client(): { js: JetStreamClient; jsm: JetStreamManager } {
    if (!this.#js || !this.#jsm || !this.isConnected()) throw new Error('NATS is not connected');
    return { js: this.#js, jsm: this.#jsm };
  }

  async publish(batch: OutgoingMessage[]): Promise<void> {
    const { js } = this.#client();
    await Promise.all(
      batch.map(async (message) => {
        const h = natsHeaders();
        for (const [key, value] of Object.entries(message.headers)) h.set(key, value);
        await js.publish(this.subject(message.type), message.body, { msgID: message.id, headers: h });
      }),
    );
  }

  async #ensureConsumer(consumer: string, type: string, prefetch: number): Promise<string> {
    const { jsm } = this.#client();
    const name = durableName(consumer, type);
    try {
      await jsm.consumers.info(this.#options.stream, name);
    } catch {
      await jsm.consumers.add(this.#options.stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        filter_subject: this.subject(type),
        ack_wait: 30_000_000_000,
        max_ack_pending: Math.max(prefetch * 4, 64),
      });
    }
    return name;
  }

  async consume(subscription: Subscription, handle: (delivery: Delivery) => Promise<Settlement>): Promise<ConsumerHandle> {
    const { js } = this.#client();
    const loops: { messages: ConsumerMessages; done: Promise<void> }[] = [];
    for (const type of subscription.types) {
      const name = await this.#ensureConsumer(subscription.consumer, type, subscription.prefetch);
      const consumer = await js.consumers.get(this.#options.stream, name);
      const messages = await consumer.consume({ max_messages: subscription.prefetch });
      loops.push({ messages, done: this.#loop(subscription, messages, handle) });
    }
    this.#consumers.set(subscription.consumer, (this.#consumers.get(subscription.consumer) ?? 0) + 1);
    let stopped = false;
    return {
      stop: async () => {
        if (!stopped) {
          stopped = true;
          const left = (this.#consumers.get(subscription.consumer) ?? 1) - 1;
          if (left > 0) this.#consumers.set(subscription.consumer, left);
          else this.#consumers.delete(subscription.consumer);
        }
        for (const loop of loops) await loop.messages.close().catch(() => undefined);
        await Promise.allSettled(loops.map((loop) => loop.done));
      },
    };
  }

  async #loop(subscription: Subscription, messages: ConsumerMessages, handle: (delivery: Delivery) => Promise<Settlement>): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for await (const message of messages) {
      const work = this.#process(subscription.consumer, message, handle).finally(() => inFlight.delete(work));
      inFlight.add(work);
      if (inFlight.size >= subscription.prefetch) await Promise.race(inFlight);
    }
    await Promise.allSettled([...inFlight]);
  }

  async #process(consumer: string, message: JsMsg, handle: (delivery: Delivery) => Promise<Settlement>): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [key, values] of message.headers ?? []) {
      const value = values[0];
      if (value !== undefined) headers[key] = value;
    }
    const attempt = message.info.deliveryCount;
    const settlement = await handle({ body: Buffer.from(message.data), headers, attempt });
    try {
      if (settlement.kind === 'ack') {
        await message.ackAck();
      } else if (settlement.kind === 'retry') {
        message.nak(settlement.delayMs);
      } else {
        const { js } = this.#client();
        const h = natsHeaders();
        for (const [key, value] of Object.entries(headers)) h.set(key, value);
        h.set(headerNames.deadLetterReason, settlement.reason.slice(0, 2_000).replace(/[\r\n]+/g, ' '));
        h.set(headerNames.deadLetterConsumer, consumer);
        h.set(headerNames.attempt, String(attempt));
        await js.publish(this.#deadLetterSubject(consumer), message.data, { headers: h });
        message.term(settlement.reason.slice(0, 200));
      }
    } catch (error) {
      // Not settled: the server redelivers after ack_wait, the inbox de-duplicates.
      this.#options.logger.error({ err: error, consumer }, 'could not settle a JetStream delivery');
    }
  }

  async takeDeadLetters(consumer: string, max: number): Promise<DeadLetter[]> {
    const { js, jsm } = this.#client();
    const name = durableName(consumer, 'dlq_reader');
    try {
      await jsm.consumers.info(this.#deadLetterStream, name);
    } catch {
      await jsm.consumers.add(this.#deadLetterStream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: this.#deadLetterSubject(consumer),
      });
    }
    const reader = await js.consumers.get(this.#deadLetterStream, name);
    const batch = await reader.fetch({ max_messages: max, expires: 1_000 });
    const letters: DeadLetter[] = [];
    for await (const message of batch) {
      const headers: Record<string, string> = {};
      for (const [key, values] of message.headers ?? []) if (values[0] !== undefined) headers[key] = values[0];
      letters.push({ body: Buffer.from(message.data), headers, reason: headers[headerNames.deadLetterReason] ?? '' });
      await message.ackAck();
      // Taken means gone: the stream keeps messages after an ack, and the gauge counts what is left.
      await jsm.streams.deleteMessage(this.#deadLetterStream, message.seq, false);
    }
    return letters;
  }

  async deadLetterDepths(): Promise<Record<string, number>> {
    if (this.#consumers.size === 0) return {};
    const { jsm } = this.#client();
    const depths: Record<string, number> = {};
    for (const consumer of this.#consumers.keys()) {
      const subject = this.#deadLetterSubject(consumer);
      const info = await jsm.streams.info(this.#deadLetterStream, { subjects_filter: subject });
      depths[consumer] = info.state.subjects?.[subject] ?? 0;
    }
    return depths;
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.drain().catch(() => undefined);
  }
}
