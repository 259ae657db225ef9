// E-mail through any SMTP server (SMTP_URL, e.g. smtp://user:pass@mail.example.org:587).
// SMTP has no idempotency key: the provider honours the notification id itself (at most one
// message per id, idempotency.ts), and makes it the Message-ID so mail tools can tell.
import nodemailer from 'nodemailer';
import type { DeliveryLedger } from '../store/deliveries.ts';
import { deliverOnce, NotDeliveredError } from './idempotency.ts';
import type { NotificationProvider } from './provider.ts';

// nodemailer's codes for failures before a message is handed over, whatever the server did next.
const beforeHandOver = new Set(['EAUTH', 'EENVELOPE', 'EDNS', 'ETLS']);
// The socket's own codes (nodemailer keeps them as originalCode) when it never connected.
const neverConnected = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// Timeouts while connecting, waiting for the greeting or for TLS; not an idle socket later on.
const setupTimeouts = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT']);

/**
 * Pure: whether a nodemailer error proves that the message did not reach the server. A
 * server's own refusal (a 4xx or 5xx reply) means it took no responsibility; so does a
 * connection that never opened, or a failure before the message was sent. Anything else (a
 * connection lost after the message went out) is in doubt.
 */
export function certainlyNotDelivered(error: unknown): boolean {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; originalCode?: unknown; responseCode?: unknown; timeoutType?: unknown };
  const among = (set: Set<string>, value: unknown): boolean => typeof value === 'string' && set.has(value);
  if (typeof fields.responseCode === 'number' && fields.responseCode >= 400) return true;
  return among(beforeHandOver, fields.code) || among(neverConnected, fields.originalCode) || among(setupTimeouts, fields.timeoutType);
}

export function createSmtpProvider(options: { url: string; from: string; ledger: DeliveryLedger }): NotificationProvider {
  // Bounded waits, so a send that hangs ends long before the ledger would take it for dead.
  const transport = nodemailer.createTransport({ url: options.url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 });
  const domain = options.from.split('@')[1] ?? 'metrox.local';
  return {
    channel: 'email',
    address: (contact) => (contact.email === '' ? undefined : contact.email),
    send(message) {
      return deliverOnce(options.ledger, 'email', message.idempotencyKey, async () => {
        try {
          const info = await transport.sendMail({
            from: options.from,
            to: message.to,
            subject: message.subject,
            text: message.body,
            messageId: `<${message.idempotencyKey}@${domain}>`,
          });
          return { providerMessageId: info.messageId };
        } catch (error) {
          if (certainlyNotDelivered(error)) throw new NotDeliveredError(`not delivered: ${(error as Error).message}`, { cause: error });
          throw error;
        }
      });
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
