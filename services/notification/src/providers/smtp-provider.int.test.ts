// The SMTP provider against a minimal SMTP server on loopback: what a real mail server would
// receive, and at most one message per idempotency key (its ledger on real Postgres).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createNotificationDatabase, type NotificationDatabase } from '../testing/database.ts';
import { startSmtpServer, type SmtpServer } from '../testing/smtp-server.ts';
import { deliveryLedger, type DeliveryLedger } from '../store/deliveries.ts';
import { createSmtpProvider } from './smtp-provider.ts';

let smtp: SmtpServer;
let database: NotificationDatabase;
let ledger: DeliveryLedger;

beforeAll(async () => {
  smtp = await startSmtpServer();
  database = await createNotificationDatabase();
  ledger = deliveryLedger(database.pool);
});

afterAll(async () => {
  await smtp.close();
  await database.drop();
});

const message = (idempotencyKey: string) => ({ idempotencyKey, to: 'asha@example.org', subject: 'Your ticket', body: 'Have a good journey.' });
const receivedWith = (key: string) => smtp.received.filter((mail) => mail.data.includes(`Message-ID: <${key}@metrox.local>`));

describe('SMTP provider', () => {
  it('reaches riders with an e-mail address only', () => {
    const provider = createSmtpProvider({ url: 'smtp://127.0.0.1:1', from: 'tickets@metrox.local', ledger });
    expect(provider.address({ riderId: 'r', email: 'asha@example.org', phone: '', displayName: '' })).toBe('asha@example.org');
    expect(provider.address({ riderId: 'r', email: '', phone: '+91', displayName: '' })).toBeUndefined();
  });

  it('delivers the message with the idempotency key (the notification id) as Message-ID', async () => {
    const provider = createSmtpProvider({ url: `smtp://127.0.0.1:${String(smtp.port)}?ignoreTLS=true`, from: 'tickets@metrox.local', ledger });
    const key = randomUUID();
    try {
      const receipt = await provider.send(message(key));
      expect(receipt.providerMessageId).toBe(`<${key}@metrox.local>`);
      const [mail] = receivedWith(key);
      expect(mail).toMatchObject({ from: 'tickets@metrox.local', to: ['asha@example.org'] });
      expect(mail?.data).toContain('Subject: Your ticket');
      expect(mail?.data).toContain('Have a good journey.');
    } finally {
      await provider.close?.();
    }
  });

  it('sends nothing for a key it delivered before, and answers the first receipt', async () => {
    const url = `smtp://127.0.0.1:${String(smtp.port)}?ignoreTLS=true`;
    const first = createSmtpProvider({ url, from: 'tickets@metrox.local', ledger });
    // Another instance with the same ledger: a restarted process.
    const again = createSmtpProvider({ url, from: 'tickets@metrox.local', ledger });
    const key = randomUUID();
    try {
      const receipt = await first.send(message(key));
      await expect(again.send(message(key))).resolves.toEqual(receipt);
      await expect(first.send(message(key))).resolves.toEqual(receipt);
      expect(receivedWith(key)).toHaveLength(1);
    } finally {
      await first.close?.();
      await again.close?.();
    }
  });

  it('a send refused before the message left frees its key, so the next send with it delivers', async () => {
    // Nothing listens on port 1: the connection is refused, nothing can have been delivered.
    const refused = createSmtpProvider({ url: 'smtp://127.0.0.1:1', from: 'tickets@metrox.local', ledger });
    const working = createSmtpProvider({ url: `smtp://127.0.0.1:${String(smtp.port)}?ignoreTLS=true`, from: 'tickets@metrox.local', ledger });
    const key = randomUUID();
    try {
      await expect(refused.send(message(key))).rejects.toThrow('not delivered');
      await working.send(message(key));
      expect(receivedWith(key)).toHaveLength(1);
    } finally {
      await refused.close?.();
      await working.close?.();
    }
  });
});
