// The notification service: tells riders about completed purchases, exactly once each.
import type { FastifyInstance } from 'fastify';
import { ownRowsBatching, type Kit, type ServiceDefinition } from '@metrox/kit';
import { Counter, Gauge } from 'prom-client';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { transactionCompletedHandlers } from './events/transaction-completed.ts';
import { notificationRoutes } from './http/routes.ts';
import { createLogProvider } from './providers/log-provider.ts';
import type { NotificationProvider } from './providers/provider.ts';
import { createSmtpProvider } from './providers/smtp-provider.ts';
import { notificationSettingsFromEnv } from './settings.ts';
import { deliveryLedger } from './store/deliveries.ts';
import { pendingStats } from './store/notifications.ts';
import { notificationDeclaration } from './declaration.ts';

const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function notificationService(env: NodeJS.ProcessEnv = process.env): ServiceDefinition {
  const settings = notificationSettingsFromEnv(env);
  return {
    declaration: notificationDeclaration,
    version: packageVersion,
    description: 'MetroX notifications: tells riders about payment outcomes, never twice for the same outcome.',
    migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
    routes: (app: FastifyInstance, kit: Kit) => {
      // One ledger for the built-in providers: a notification goes out through one of them, once.
      const ledger = deliveryLedger(kit.pool);
      const providers: NotificationProvider[] = [
        ...(settings.SMTP_URL ? [createSmtpProvider({ url: settings.SMTP_URL, from: settings.NOTIFICATION_FROM, ledger })] : []),
        createLogProvider(kit.logger, ledger),
      ];
      const sent = new Counter({
        name: 'metrox_notifications_sent_total',
        help: 'Notifications sent, by channel and payment outcome',
        labelNames: ['channel', 'outcome'] as const,
        registers: [kit.metrics.registry],
      });
      kit.metrics.registry.registerMetric(
        new Gauge({
          name: 'metrox_notifications_pending',
          help: 'Notifications waiting to be sent (the provider unreachable, or just arrived)',
          registers: [],
          async collect() {
            // While the database is away the last value stands: the scrape still answers.
            const stats = await pendingStats(kit.pool).catch(() => undefined);
            if (stats) this.set(stats.pending);
          },
        }),
      );
      const dispatcher = new Dispatcher({
        kit,
        providers,
        sent,
        pollIntervalMs: settings.NOTIFICATION_POLL_INTERVAL_MS,
        batchSize: settings.NOTIFICATION_BATCH_SIZE,
        loops: settings.NOTIFICATION_DISPATCH_LOOPS,
        leaseMs: settings.NOTIFICATION_CLAIM_LEASE_MS,
        retryBaseMs: settings.NOTIFICATION_RETRY_BASE_MS,
        retryMaxMs: settings.NOTIFICATION_RETRY_MAX_MS,
      });
      // The dispatcher runs while the HTTP server does: kit.start() makes it ready, kit.stop() closes it.
      app.addHook('onReady', () => dispatcher.start());
      app.addHook('onClose', async () => {
        await dispatcher.stop();
        for (const provider of providers) await provider.close?.();
      });
      notificationRoutes(app, kit);
    },
    events: { handlers: transactionCompletedHandlers, ...ownRowsBatching },
    env,
  };
}
