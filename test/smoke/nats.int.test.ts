import { jetstream, jetstreamManager, AckPolicy, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../support/endpoints.ts';

describe('NATS JetStream is real', () => {
  let nc: NatsConnection;
  const stream = `SMOKE_${process.pid}_${Date.now()}`;
  const subject = `smoke.${stream}`;

  beforeAll(async () => {
    nc = await connect({ servers: endpoints().NATS_URL });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => false);
    await nc.drain();
  });

  it('stores a message and redelivers it when it is not acknowledged', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [subject] });
    await jsm.consumers.add(stream, { durable_name: 'smoke', ack_policy: AckPolicy.Explicit, ack_wait: 1_000_000_000 });

    const js = jetstream(nc);
    const ack = await js.publish(subject, 'ticket', { msgID: 'ticket-1' });
    expect(ack.seq).toBe(1);
    // Same Nats-Msg-Id inside the duplicate window: stored once.
    const again = await js.publish(subject, 'ticket', { msgID: 'ticket-1' });
    expect(again.duplicate).toBe(true);

    const consumer = await js.consumers.get(stream, 'smoke');
    const first = await consumer.next({ expires: 5_000 });
    expect(first?.string()).toBe('ticket');
    expect(first?.info.deliveryCount).toBe(1);
    // No ack: after ack_wait the server delivers it again.
    const second: JsMsg | null = await consumer.next({ expires: 5_000 });
    expect(second?.info.deliveryCount).toBe(2);
    expect(second?.seq).toBe(first?.seq);
    second?.ack();
  });
});
