// The log provider honours idempotency keys (its ledger on real Postgres): one log line per
// key, however often and from however many processes it is asked to send.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryLedger } from '../store/deliveries.ts';
import { createNotificationDatabase, type NotificationDatabase } from '../testing/database.ts';
import { createLogProvider } from './log-provider.ts';

let database: NotificationDatabase;

beforeAll(async () => {
  database = await createNotificationDatabase();
});

afterAll(async () => {
  await database.drop();
});

describe('log provider', () => {
  it('writes one line per idempotency key and answers a repeated key with the first receipt', async () => {
    const lines: unknown[] = [];
    const logger = { info: (fields: unknown) => lines.push(fields) };
    const first = createLogProvider(logger, deliveryLedger(database.pool));
    const again = createLogProvider(logger, deliveryLedger(database.pool));
    const key = randomUUID();
    const message = { idempotencyKey: key, to: 'rider-1', subject: 'Your ticket', body: 'Have a good journey.' };

    const receipt = await first.send(message);
    expect(receipt).toEqual({ providerMessageId: `log-${key}` });
    await expect(again.send(message)).resolves.toEqual(receipt);
    await expect(Promise.all([first.send(message), again.send(message)])).resolves.toEqual([receipt, receipt]);
    expect(lines).toEqual([{ notificationId: key, riderId: 'rider-1', subject: 'Your ticket', body: 'Have a good journey.' }]);
  });
});
