// What the kit needs from a message broker. RabbitMQ (default) and NATS JetStream
// implement it; the outbox relay and the inbox consumer only know this interface.

export interface OutgoingMessage {
  /** Event id: RabbitMQ message-id, JetStream Nats-Msg-Id (server-side de-duplication). */
  id: string;
  type: string;
  body: Buffer;
  headers: Record<string, string>;
}

export interface Delivery {
  body: Buffer;
  headers: Record<string, string>;
  /** 1 for the first attempt; counts retries the kit scheduled and broker redeliveries. */
  attempt: number;
}

/** What to do with a delivery once it was handled. */
export type Settlement =
  | { kind: 'ack' }
  | { kind: 'retry'; delayMs: number; reason: string }
  | { kind: 'dead-letter'; reason: string };

export interface Subscription {
  /** The durable queue / consumer name; one per service unless a service splits its work. */
  consumer: string;
  /** Event types to receive. */
  types: string[];
  /** How many deliveries may be in progress at once. */
  prefetch: number;
}

export interface ConsumerHandle {
  /** Stops taking new deliveries and resolves once those in progress are settled. */
  stop(): Promise<void>;
}

export interface DeadLetter {
  body: Buffer;
  reason: string;
  headers: Record<string, string>;
}

export interface Broker {
  readonly kind: 'rabbitmq' | 'nats';
  connect(): Promise<void>;
  isConnected(): boolean;
  /** Resolves once the broker has confirmed every message (publisher confirms / JetStream acks). */
  publish(batch: OutgoingMessage[]): Promise<void>;
  consume(subscription: Subscription, handle: (delivery: Delivery) => Promise<Settlement>): Promise<ConsumerHandle>;
  /** Reads (and removes) up to `max` dead letters of a consumer: for tools, tests and replays. */
  takeDeadLetters(consumer: string, max: number): Promise<DeadLetter[]>;
  /** Dead letters waiting, by consumer queue, for every consumer this broker runs (read from the broker). */
  deadLetterDepths(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** Headers the kit sets on every message besides the envelope body. */
export const headerNames = {
  attempt: 'x-metrox-attempt',
  deadLetterReason: 'x-metrox-dead-letter-reason',
  deadLetterConsumer: 'x-metrox-dead-letter-consumer',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  type: 'ce-type',
} as const;

/**
 * Pure: how long to wait before reconnect attempt `attempt` (1 for the first): 250 ms,
 * doubling up to 15 s, with ±20 % jitter so replicas do not reconnect in lockstep.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15_000, 250 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
