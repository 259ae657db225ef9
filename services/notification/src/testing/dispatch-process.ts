// A notification dispatcher in its own process, for the crash test: its built-in provider
// (TEST_PROVIDER: log or smtp) sends, and then the dispatcher never gets to record it: the
// process logs 'sent, not recorded' and waits there, so killing it lands between the two.
import { createLogger, createOutboxPublisher, createPool, withTransaction } from '@metrox/kit';
import { Counter } from 'prom-client';
import { Dispatcher } from '../dispatch/dispatcher.ts';
import { createLogProvider } from '../providers/log-provider.ts';
import type { NotificationProvider } from '../providers/provider.ts';
import { createSmtpProvider } from '../providers/smtp-provider.ts';
import { deliveryLedger } from '../store/deliveries.ts';

const env = process.env;
const logger = createLogger({ serviceName: 'dispatch-process', serviceVersion: 'test', level: 'info' });
const pool = createPool(env.DATABASE_URL ?? '', 4, logger);
const ledger = deliveryLedger(pool);
const builtIn: NotificationProvider =
  env.TEST_PROVIDER === 'smtp' ? createSmtpProvider({ url: env.SMTP_URL ?? '', from: 'tickets@metrox.local', ledger }) : createLogProvider(logger, ledger);
const sentButNotRecorded: NotificationProvider = {
  channel: builtIn.channel,
  address: (contact) => builtIn.address(contact),
  async send(message) {
    await builtIn.send(message);
    logger.info({ notificationId: message.idempotencyKey }, 'sent, not recorded');
    return new Promise(() => undefined);
  },
};
const dispatcher = new Dispatcher({
  kit: { pool, logger, publish: createOutboxPublisher('notification'), withTransaction: (work) => withTransaction(pool, work) },
  providers: [sentButNotRecorded],
  sent: new Counter({ name: 'test_notifications_sent_total', help: 'unused', labelNames: ['channel', 'outcome'] as const, registers: [] }),
  pollIntervalMs: 100,
  batchSize: 8,
  loops: 1,
  leaseMs: Number(env.TEST_LEASE_MS ?? '1000'),
  retryBaseMs: 100,
  retryMaxMs: 1_000,
});
await dispatcher.start();
logger.info('dispatcher started');
