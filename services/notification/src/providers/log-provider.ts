// The default provider: writes the message to the service log. Good for local runs and
// demos; reaches every rider, so it is the last resort after real channels.
import type { Logger } from 'pino';
import type { NotificationProvider } from './provider.ts';

export function createLogProvider(logger: Pick<Logger, 'info'>): NotificationProvider {
  return {
    channel: 'log',
    address: (contact) => contact.riderId,
    send(message) {
      logger.info({ notificationId: message.notificationId, riderId: message.to, subject: message.subject, body: message.body }, 'notification sent');
      return Promise.resolve({ providerMessageId: `log-${message.notificationId}` });
    },
  };
}
