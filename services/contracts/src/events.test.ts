import { describe, expect, it } from 'vitest';
import { events, isEventType } from './events.ts';

describe('event schemas', () => {
  it('accept a well-formed TransactionCreated', () => {
    const data = {
      transactionId: 't-1',
      riderId: 'r-1',
      fromStation: 'MG-ROAD',
      toStation: 'INDIRANAGAR',
      paymentMethod: 'upi',
      fareCents: 3000,
      currency: 'INR',
      createdAt: '2025-01-01T10:00:00.000Z',
    };
    expect(events.TransactionCreated.schema.parse(data)).toEqual(data);
  });

  it('reject a payment with a negative amount and say which field', () => {
    const result = events.PaymentConfirmed.schema.safeParse({
      paymentId: 'p-1',
      transactionId: 't-1',
      method: 'card',
      amountCents: -1,
      currency: 'INR',
      confirmedAt: '2025-01-01T10:00:00Z',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['amountCents']);
  });

  it('read a TransactionCompleted with the rider\'s contact, and one from a producer that does not send it yet', () => {
    const data = {
      transactionId: 't-1',
      riderId: 'r-1',
      status: 'CONFIRMED',
      fromStation: 'aluva',
      toStation: 'mg-road',
      fareCents: 3000,
      currency: 'INR',
      completedAt: '2025-01-01T10:00:00.000Z',
    };
    const riderContact = { displayName: 'Asha', email: 'asha@example.org', phone: '' };
    expect(events.TransactionCompleted.schema.parse({ ...data, riderContact })).toEqual({ ...data, riderContact });
    expect(events.TransactionCompleted.schema.parse(data)).toEqual(data);
    expect(events.TransactionCompleted.version).toBe(1);
  });

  it('know exactly the five domain event types', () => {
    expect(Object.keys(events).sort()).toEqual(
      ['NotificationSent', 'PaymentConfirmed', 'PaymentFailed', 'TransactionCompleted', 'TransactionCreated'],
    );
    expect(isEventType('PaymentFailed')).toBe(true);
    expect(isEventType('toString')).toBe(false);
  });
});
