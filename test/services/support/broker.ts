// Publishes envelopes straight to a fleet's exchange: how the tests redeliver an event
// (same id) or replay a purchase's event under a new id, as a broker or a buggy producer would.
import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';

export interface LoggedEvent {
  id: string;
  type: string;
  source: string;
  time: string;
  data: Record<string, unknown>;
}

export function envelopeOf(event: LoggedEvent, overrides: { id?: string } = {}): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: overrides.id ?? event.id,
    source: event.source,
    type: event.type,
    time: event.time,
    datacontenttype: 'application/json',
    schemaversion: 1,
    data: event.data,
  };
}

export async function publishRaw(amqpUrl: string, exchange: string, envelopes: Record<string, unknown>[]): Promise<void> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    for (const envelope of envelopes) {
      const type = String(envelope.type);
      channel.publish(exchange, type, Buffer.from(JSON.stringify(envelope)), {
        persistent: true,
        messageId: typeof envelope.id === 'string' ? envelope.id : randomUUID(),
        type,
        contentType: 'application/cloudevents+json',
        headers: { 'ce-type': type },
      });
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}
