// A valid TransactionCreated payload for the kit's tests and benchmark: each case sets
// only what it is about.
import type { EventData } from '@metrox/contracts';

export function sampleTransactionCreated(overrides: Partial<EventData<'TransactionCreated'>> = {}): EventData<'TransactionCreated'> {
  return {
    transactionId: 't-1',
    riderId: 'rider-1',
    fromStation: 'MG-ROAD',
    toStation: 'TRINITY',
    paymentMethod: 'upi',
    fareCents: 3_000,
    currency: 'INR',
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}
