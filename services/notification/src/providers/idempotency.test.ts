import { describe, expect, it } from 'vitest';
import { inDoubtAfterMs, judgeEarlier } from './idempotency.ts';
import { certainlyNotDelivered } from './smtp-provider.ts';

describe('a repeated idempotency key', () => {
  it('answers the first receipt once the first send was accepted', () => {
    expect(judgeEarlier({ channel: 'email', ageMs: 5, providerMessageId: '<n-1@metrox.local>' })).toEqual({ kind: 'delivered', providerMessageId: '<n-1@metrox.local>' });
  });

  it('waits while the first send may still be running, and is in doubt once it cannot be', () => {
    expect(judgeEarlier({ channel: 'email', ageMs: 1_000, providerMessageId: null })).toEqual({ kind: 'in-flight' });
    expect(judgeEarlier({ channel: 'email', ageMs: inDoubtAfterMs, providerMessageId: null })).toEqual({ kind: 'in-doubt' });
  });

  it('whose first send was released in the meantime is tried again later', () => {
    expect(judgeEarlier(undefined)).toEqual({ kind: 'in-flight' });
  });
});

describe('an SMTP failure', () => {
  const failure = (fields: Record<string, unknown>) => Object.assign(new Error('smtp failed'), fields);

  it('proves nothing was delivered when the server refused, the connection never opened, or it failed before the message', () => {
    expect(certainlyNotDelivered(failure({ code: 'EMESSAGE', command: 'DATA', responseCode: 554 }))).toBe(true);
    expect(certainlyNotDelivered(failure({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }))).toBe(true);
    expect(certainlyNotDelivered(failure({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }))).toBe(true);
    expect(certainlyNotDelivered(failure({ code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT', command: 'CONN' }))).toBe(true);
    expect(certainlyNotDelivered(failure({ code: 'EAUTH', command: 'AUTH PLAIN' }))).toBe(true);
  });

  it('leaves the delivery in doubt when the connection broke or timed out after it opened', () => {
    expect(certainlyNotDelivered(failure({ code: 'ECONNECTION', command: 'CONN' }))).toBe(false);
    expect(certainlyNotDelivered(failure({ code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT', command: 'CONN' }))).toBe(false);
    expect(certainlyNotDelivered(failure({ code: 'ESOCKET', originalCode: 'ECONNRESET' }))).toBe(false);
    expect(certainlyNotDelivered(new Error('boom'))).toBe(false);
  });
});
