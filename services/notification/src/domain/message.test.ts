import { describe, expect, it } from 'vitest';
import { createLogProvider } from '../providers/log-provider.ts';
import { pickProvider, type NotificationProvider } from '../providers/provider.ts';
import type { DeliveryLedger } from '../store/deliveries.ts';
import { composeMessage, retryDelayMs } from './message.ts';

const purchase = { transactionId: 't-1', fromStation: 'aluva', toStation: 'kaloor', fareCents: 3000, currency: 'INR' };

describe('notification message', () => {
  it('a confirmation names the journey, the fare and the ticket', () => {
    const message = composeMessage(purchase, { status: 'CONFIRMED' }, 'Asha');
    expect(message.subject).toBe('Your MetroX ticket aluva → kaloor is confirmed');
    expect(message.body).toContain('Hello Asha');
    expect(message.body).toContain('₹30.00');
    expect(message.body).toContain('t-1');
  });

  it('a failure tells the rider why and that nothing was charged', () => {
    const message = composeMessage(purchase, { status: 'FAILED', reason: 'insufficient wallet balance' }, '');
    expect(message.subject).toContain('could not be issued');
    expect(message.body).toMatch(/^Hello, we could not charge ₹30.00 .*: insufficient wallet balance\. You have not been charged/);
  });

  it('retries back off exponentially up to a cap', () => {
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelayMs(attempt, 500, 5_000))).toEqual([500, 1_000, 2_000, 4_000, 5_000]);
  });
});

describe('provider choice', () => {
  const email: NotificationProvider = {
    channel: 'email',
    address: (contact) => (contact.email === '' ? undefined : contact.email),
    send: () => Promise.resolve({ providerMessageId: 'x' }),
  };
  const notSentHere = () => Promise.reject(new Error('nothing is sent in this test'));
  const ledger: DeliveryLedger = { reserve: notSentHere, accepted: notSentHere, release: notSentHere };
  const log = createLogProvider({ info: () => undefined }, ledger);

  it('prefers the first provider that can reach the rider and falls back to the log', () => {
    const contact = { riderId: 'r-1', email: 'asha@example.org', phone: '', displayName: 'Asha' };
    expect(pickProvider([email, log], contact)).toEqual({ provider: email, to: 'asha@example.org' });
    expect(pickProvider([email, log], { ...contact, email: '' })).toEqual({ provider: log, to: 'r-1' });
  });
});
