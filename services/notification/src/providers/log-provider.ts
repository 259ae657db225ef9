// The default provider: writes the message to the service log. Good for local runs and
// demos; reaches every rider, so it is the last resort after real channels. A log line is
// its delivery, so it too writes at most one per idempotency key.
import type { Logger } from 'pino';
import type { DeliveryLedger } from '../store/deliveries.ts';
import { deliverOnce } from './idempotency.ts';
import type { NotificationProvider } from './provider.ts';

export function createLogProvider(logger: Pick<Logger, 'info'>, ledger: DeliveryLedger): NotificationProvider {
  return {
    channel: 'log',
    address: (contact) => contact.riderId,
    send(message) {
      return deliverOnce(ledger, 'log', message.idempotencyKey, () => {
        logger.info({ notificationId: message.idempotencyKey, riderId: message.to, subject: message.subject, body: message.body }, 'notification sent');
        return Promise.resolve({ providerMessageId: `log-${message.idempotencyKey}` });
      });
    },
  };
}
