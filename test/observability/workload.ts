// What the telemetry tests do to the running fleet so every metric and panel has
// something to show: purchases (confirmed and declined), gRPC calls (served and
// refused), one failed request per service and one poison message.
import { randomBytes, randomUUID } from 'node:crypto';
import { credentials, Client, type ServiceError } from '@grpc/grpc-js';
import amqp from 'amqplib';
import { serviceNames, type ServiceName } from '../../scripts/local/fleet.ts';
import { eventually, http } from '../services/support/client.ts';
import type { Fleet } from '../services/support/fleet.ts';

export interface Purchase {
  transactionId: string;
  traceId: string;
  paymentMethod: string;
}

/** Request ids of the test's own polling reads: separate requests (and traces) that are not part of the purchase. */
export const pollRequestPrefix = 'test-poll-';

/** Buys one ticket in a trace the test chooses, and waits until its notification is sent. */
export async function purchase(fleet: Fleet, paymentMethod: 'upi' | 'wallet'): Promise<Purchase> {
  const traceId = randomBytes(16).toString('hex');
  const created = await http<{ id: string }>(fleet.url('transaction', '/v1/transactions'), {
    method: 'POST',
    headers: { 'idempotency-key': randomUUID(), traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    json: { riderId: `rider-${randomUUID().slice(0, 8)}`, fromStation: 'aluva', toStation: 'kaloor', paymentMethod },
  });
  if (created.status !== 201) throw new Error(`purchase refused: ${created.status.toString()} ${JSON.stringify(created.body)}`);
  const transactionId = created.body.id;
  await eventually(
    () => http<{ items: { status: string }[] }>(fleet.url('notification', `/v1/notifications?transactionId=${transactionId}`), { headers: { 'x-request-id': `${pollRequestPrefix}${randomUUID()}` } }),
    (r) => r.body.items.some((n) => n.status === 'SENT'),
    `the notification of ${transactionId}`,
  );
  return { transactionId, traceId, paymentMethod };
}

/** One grpc.health.v1 Check; `service` empty asks about the server, an unknown name is refused (NOT_FOUND). */
export async function healthCheck(address: string, service = ''): Promise<number> {
  const client = new Client(address, credentials.createInsecure());
  const name = Buffer.from(service);
  // HealthCheckRequest { string service = 1; } by hand: no proto files needed.
  const request = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
  try {
    return await new Promise<number>((resolve) => {
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', (b: Buffer) => b, (b: Buffer) => b, request, (error: ServiceError | null) => {
        resolve(error?.code ?? 0);
      });
    });
  } finally {
    client.close();
  }
}

/** A database-reading route of each service. */
export const readRoutes: Record<ServiceName, (transactionId: string) => string> = {
  transaction: (id) => `/v1/transactions/${id}`,
  payment: (id) => `/v1/payments/${id}`,
  operations: () => '/v1/operations/summary',
  notification: (id) => `/v1/notifications?transactionId=${id}`,
};

/**
 * A server error in every service, the real way: its database schema disappears for a
 * moment (the fleet's own database), a read fails with 500, then the schema is back.
 */
export async function causeServerErrors(fleet: Fleet, transactionId: string): Promise<Record<ServiceName, number>> {
  const statuses = {} as Record<ServiceName, number>;
  for (const service of serviceNames) {
    const db = fleet.db(service);
    await db.query('ALTER SCHEMA public RENAME TO public_away');
    try {
      statuses[service] = (await http(fleet.url(service, readRoutes[service](transactionId)))).status;
    } finally {
      await db.query('ALTER SCHEMA public_away RENAME TO public');
    }
  }
  return statuses;
}

/** Publishes a message no consumer can parse straight to the service's queue: it must end up dead-lettered. */
export async function sendPoisonMessage(amqpUrl: string, queue: string): Promise<void> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, Buffer.from('this is not an event'), { contentType: 'application/json', messageId: randomUUID(), persistent: true });
    await channel.waitForConfirms();
    await channel.close();
  } finally {
    await connection.close();
  }
}
