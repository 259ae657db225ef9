// A consumer's RabbitMQ topology, as data: one description the operator declares
// and deletes, and the service kit checks (passively) before it consumes. Pure: no
// broker client here, so both sides read the same names and arguments.
//   exchange  <exchange> (topic, durable)           routing key = event type
//   queue     <queue> (quorum, durable)             bound to each subscribed type
//   queue     <queue>.retry.<ms> (classic)          TTL <ms>, dead-letters back to <queue>
//   queue     <queue>.dlq (quorum, durable)         dead letters, reason in x-metrox-dead-letter-reason

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The kit's defaults (CONSUMER_RETRY_BASE_MS, CONSUMER_RETRY_MAX_MS). */
export const defaultRetryPolicy: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

/** The delay before attempt n+1 (n from 1): base × 2ⁿ⁻¹, capped. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** Every delay backoffDelay can give under `policy`: one retry queue each, so the set is finite and known up front. */
export function retryDelaysMs(policy: RetryPolicy): number[] {
  const delays: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const delay = backoffDelay(attempt, policy);
    if (delays.includes(delay)) return delays;
    delays.push(delay);
  }
}

export const queueNames = {
  queue: (consumer: string) => consumer,
  retryQueue: (consumer: string, delayMs: number) => `${consumer}.retry.${String(delayMs)}`,
  deadLetterQueue: (consumer: string) => `${consumer}.dlq`,
} as const;

export interface ConsumerTopology {
  exchange: string;
  queue: string;
  /** Event types the queue is bound to. */
  subscribes: readonly string[];
  retry: RetryPolicy;
}

export interface QueueDeclaration {
  name: string;
  arguments: Record<string, string | number>;
}

const quorum = { 'x-queue-type': 'quorum' };

/** Every queue of a consumer with its arguments: the main queue, its dead letters, one retry queue per delay. */
export function consumerQueues(topology: Pick<ConsumerTopology, 'queue' | 'retry'>): QueueDeclaration[] {
  const { queue } = topology;
  return [
    { name: queueNames.queue(queue), arguments: { ...quorum } },
    { name: queueNames.deadLetterQueue(queue), arguments: { ...quorum } },
    ...retryDelaysMs(topology.retry).map((delayMs) => retryQueue(queue, delayMs)),
  ];
}

/** The queue a delivery waits `delayMs` in before it dead-letters back to the consumer's queue. */
export function retryQueue(queue: string, delayMs: number): QueueDeclaration {
  return {
    name: queueNames.retryQueue(queue, delayMs),
    arguments: { 'x-queue-type': 'classic', 'x-message-ttl': delayMs, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queueNames.queue(queue) },
  };
}
