import { describe, expect, it } from 'vitest';
import { createEnvelope, InvalidEventError, parseEnvelope } from './envelope.ts';

const data = {
  paymentId: 'p-1',
  transactionId: 't-1',
  method: 'upi' as const,
  amountCents: 3000,
  currency: 'INR',
  confirmedAt: '2025-01-01T10:00:00.000Z',
};

describe('event envelope', () => {
  it('uses CloudEvents attribute names, the schema version and the trace context', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const envelope = createEnvelope('PaymentConfirmed', data, { source: 'payment', subject: 't-1', traceparent });
    expect(envelope).toMatchObject({ specversion: '1.0', source: 'payment', type: 'PaymentConfirmed', datacontenttype: 'application/json', schemaversion: 1, subject: 't-1', traceparent, data });
    expect(Date.parse(envelope.time)).not.toBeNaN();
    expect(parseEnvelope(JSON.stringify(envelope))).toEqual({ ok: true, envelope });
  });

  it('refuses to produce an event that breaks its schema', () => {
    expect(() => createEnvelope('PaymentConfirmed', { ...data, currency: 'rupees' }, { source: 'payment' })).toThrow(InvalidEventError);
  });

  it('says why a received message is invalid', () => {
    const envelope = createEnvelope('PaymentConfirmed', data, { source: 'payment' });
    expect(parseEnvelope('not json')).toMatchObject({ ok: false, reason: 'body is not JSON' });
    expect(parseEnvelope(JSON.stringify({ ...envelope, type: 'Nope' }))).toMatchObject({ ok: false, reason: 'unknown event type "Nope"' });
    expect(parseEnvelope(JSON.stringify({ ...envelope, schemaversion: 9 }))).toMatchObject({ ok: false, reason: expect.stringContaining('unsupported schemaversion 9') as unknown });
    expect(parseEnvelope(JSON.stringify({ ...envelope, data: { ...data, amountCents: 'lots' } }))).toMatchObject({
      ok: false,
      id: envelope.id,
      type: 'PaymentConfirmed',
      reason: expect.stringContaining('amountCents') as unknown,
    });
  });
});
