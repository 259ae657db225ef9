// Pure: what the rider reads for a payment outcome.

export interface PurchaseFacts {
  transactionId: string;
  fromStation: string;
  toStation: string;
  fareCents: number;
  currency: string;
}

export type Outcome = { status: 'CONFIRMED' } | { status: 'FAILED'; reason: string };

export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-IN', { style: 'currency', currency }).format(cents / 100);
}

export function composeMessage(purchase: PurchaseFacts, outcome: Outcome, displayName: string): { subject: string; body: string } {
  const journey = `${purchase.fromStation} → ${purchase.toStation}`;
  const greeting = displayName.trim() === '' ? 'Hello' : `Hello ${displayName.trim()}`;
  const fare = formatMoney(purchase.fareCents, purchase.currency);
  if (outcome.status === 'CONFIRMED') {
    return {
      subject: `Your MetroX ticket ${journey} is confirmed`,
      body: `${greeting}, your ticket ${journey} (${fare}) is confirmed. Ticket ${purchase.transactionId}. Have a good journey.`,
    };
  }
  return {
    subject: `Your MetroX ticket ${journey} could not be issued`,
    body: `${greeting}, we could not charge ${fare} for your ticket ${journey}: ${outcome.reason}. You have not been charged; please try again.`,
  };
}

/** When to try again after `attempts` failed sends: exponential, capped. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}
