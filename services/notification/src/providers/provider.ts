// How a message reaches a rider. A provider gets the notification id with every message as
// its idempotency key (an SMS gateway's client reference, a mail API's idempotency key): a
// dispatcher that died between "sent" and "recorded" repeats the call with the same key, and
// the provider must not send again. The built-in providers keep a ledger of their keys
// (idempotency.ts) to honour it.

export type Channel = 'sms' | 'email' | 'log';

export interface OutgoingMessage {
  /** The notification id: at most one message goes out per key, however often it is sent. */
  idempotencyKey: string;
  /** Address in the provider's terms: an e-mail address, a phone number, or a rider id for the log. */
  to: string;
  subject: string;
  body: string;
}

export interface NotificationProvider {
  readonly channel: Channel;
  /** Whether this provider can reach the given contact at all. */
  address(contact: Contact): string | undefined;
  /**
   * Resolves with the provider's message id once accepted (for a key it accepted before: that
   * first id, sending nothing); throws to be retried later with the same key.
   */
  send(message: OutgoingMessage): Promise<{ providerMessageId: string }>;
  close?(): Promise<void>;
}

export interface Contact {
  riderId: string;
  email: string;
  phone: string;
  displayName: string;
}

/** Pure: the first provider, in preference order, that can reach the rider. */
export function pickProvider(providers: readonly NotificationProvider[], contact: Contact): { provider: NotificationProvider; to: string } | undefined {
  for (const provider of providers) {
    const to = provider.address(contact);
    if (to !== undefined) return { provider, to };
  }
  return undefined;
}
