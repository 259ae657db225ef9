// One owner of broker topology: the operator's wiring declares a service's exchange,
// queue, dead-letter and retry queues and bindings; the kit, told the topology is the
// operator's (as METROX_QUEUE tells it), only checks it and consumes, retrying through a
// retry queue; deleting the MetroXService's topology as the reconciler's finalizer does
// leaves nothing of the service in RabbitMQ, as its management API lists it.
import { createLogger, RabbitMqBroker, TopologyMissingError } from '@metrox/kit';
import { endpoints } from '@metrox/test/endpoints';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { deleteQueues, ensureQueueTopology, ownerMarker, retryPolicyOf } from '../../operator/src/wiring/broker.ts';
import { ownerOf } from '../../operator/src/wiring/ownership.ts';

const { AMQP_URL, RABBITMQ_MANAGEMENT_URL } = endpoints();
const suffix = randomBytes(3).toString('hex');
const queue = `cleanup-${suffix}`;
const exchange = `metrox.events.cleanup_${suffix}`;
const owner = ownerOf('cleanup', queue);
// The retry policy as spec.env would set it: delays 100, 200 and 400 ms, one queue each.
const retry = retryPolicyOf([{ name: 'CONSUMER_RETRY_BASE_MS', value: '100' }, { name: 'CONSUMER_RETRY_MAX_MS', value: '400' }]);
const logger = createLogger({ serviceName: 'cleanup-test', serviceVersion: '0.0.0', level: 'silent' });

async function management<T>(path: string): Promise<T> {
  const base = new URL(RABBITMQ_MANAGEMENT_URL);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
  const response = await fetch(`${base.protocol}//${base.host}/api${path}`, { headers: { authorization } });
  if (!response.ok) throw new Error(`GET /api${path}: ${String(response.status)}`);
  return (await response.json()) as T;
}

/** Everything RabbitMQ holds that belongs to the service: its queues, its owner mark, bindings to its queues. */
async function whatRemains(): Promise<string[]> {
  const ours = (name: string) => name === queue || name.startsWith(`${queue}.`);
  const queues = await management<{ name: string }[]>('/queues/%2F?columns=name');
  const exchanges = await management<{ name: string }[]>('/exchanges/%2F?columns=name');
  const bindings = await management<{ source: string; destination: string; routing_key: string }[]>('/bindings/%2F');
  return [
    ...queues.filter((q) => ours(q.name)).map((q) => `queue ${q.name}`),
    ...exchanges.filter((e) => e.name === ownerMarker(queue)).map((e) => `exchange ${e.name}`),
    ...bindings.filter((b) => ours(b.destination)).map((b) => `binding ${b.source} → ${b.destination} (${b.routing_key})`),
  ].sort();
}

afterAll(async () => {
  await deleteQueues(AMQP_URL, queue, owner, retry).catch(() => undefined);
  const base = new URL(RABBITMQ_MANAGEMENT_URL);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
  await fetch(`${base.protocol}//${base.host}/api/exchanges/%2F/${encodeURIComponent(exchange)}`, { method: 'DELETE', headers: { authorization } });
});

describe('broker topology of a MetroXService', () => {
  it('a kit that only checks the topology refuses to consume before the operator declared it, naming the missing queue', async () => {
    const broker = new RabbitMqBroker({ url: AMQP_URL, exchange, logger, retry, topology: 'assert' });
    await broker.connect();
    try {
      const consuming = broker.consume({ consumer: queue, types: ['PaymentConfirmed'], prefetch: 1 }, () => Promise.resolve({ kind: 'ack' }));
      await expect(consuming).rejects.toThrow(TopologyMissingError);
      await expect(consuming).rejects.toThrow(/does not exist: the operator declares/);
    } finally {
      await broker.close();
    }
  });

  it('is declared by the operator, used (retries included) by the kit, and deleting the MetroXService leaves none of it', async () => {
    await ensureQueueTopology(AMQP_URL, { exchange, queue, subscribes: ['PaymentConfirmed'], previouslyBound: [], retry }, owner);
    expect(await whatRemains()).toEqual(
      [
        `binding ${exchange} → ${queue} (PaymentConfirmed)`,
        `binding  → ${queue} (${queue})`,
        `binding  → ${queue}.dlq (${queue}.dlq)`,
        ...[100, 200, 400].map((ms) => `binding  → ${queue}.retry.${String(ms)} (${queue}.retry.${String(ms)})`),
        `exchange ${ownerMarker(queue)}`,
        `queue ${queue}`,
        `queue ${queue}.dlq`,
        ...[100, 200, 400].map((ms) => `queue ${queue}.retry.${String(ms)}`),
      ].sort(),
    );

    const broker = new RabbitMqBroker({ url: AMQP_URL, exchange, logger, retry, topology: 'assert' });
    await broker.connect();
    const attempts: number[] = [];
    try {
      const consumer = await broker.consume({ consumer: queue, types: ['PaymentConfirmed'], prefetch: 1 }, (delivery) => {
        attempts.push(delivery.attempt);
        return Promise.resolve(delivery.attempt === 1 ? { kind: 'retry', delayMs: 100, reason: 'first attempt' } : { kind: 'ack' });
      });
      await broker.publish([{ id: randomUUID(), type: 'PaymentConfirmed', body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } }]);
      await vi.waitFor(() => {
        expect(attempts).toEqual([1, 2]);
      }, { timeout: 10_000, interval: 50 });
      await consumer.stop();
    } finally {
      await broker.close();
    }

    await deleteQueues(AMQP_URL, queue, owner, retry);
    expect(await whatRemains()).toEqual([]);
  });
});
