// How a message reaches a rider. A provider gets the notification id with every message
// so the far side can de-duplicate (an SMTP Message-ID, an SMS provider's client reference):
// a crash between "sent" and "recorded" may repeat a send, and the id makes that harmless.

export type Channel = 'sms' | 'email' | 'log';

export interface OutgoingMessage {
  notificationId: string;
  /** Address in the provider's terms: an e-mail address, a phone number, or a rider id for the log. */
  to: string;
  subject: string;
  body: string;
}

export interface NotificationProvider {
  readonly channel: Channel;
  /** Whether this provider can reach the given contact at all. */
  address(contact: Contact): string | undefined;
  /** Resolves with the provider's message id once accepted; throws to be retried later. */
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
