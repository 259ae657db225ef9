// Sends PENDING notifications, a batch at a time: one transaction claims the rows and holds
// their locks while each is looked up, sent and recorded concurrently. Another replica skips
// locked rows, so a notification is sent by one dispatcher only, and SENT plus the
// NotificationSent event commit together. A failed attempt is rescheduled with backoff,
// without limit (an outage of Transaction delays messages, it never drops them).
import { NotifiedWorker, type Kit, type StepResult, type Tx } from '@metrox/kit';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Counter } from 'prom-client';
import { composeMessage, retryDelayMs } from '../domain/message.ts';
import { pickProvider, type NotificationProvider } from '../providers/provider.ts';
import { claimDue, dueChannel, markFailedAttempt, markSent, markUndeliverable, type DueNotification } from '../store/notifications.ts';
import { withRestoredTrace } from './trace-carrier.ts';
import { PermanentLookupError, type TransactionLookup } from './transaction-client.ts';

/** sent: the notification went out; failed: it was rescheduled or given up. */
export type DispatchResult = 'sent' | 'failed';

export interface DispatcherOptions {
  kit: Pick<Kit, 'pool' | 'logger' | 'publish' | 'withTransaction'>;
  lookup: TransactionLookup;
  providers: NotificationProvider[];
  pollIntervalMs: number;
  /** Notifications claimed and sent concurrently per step. */
  batchSize: number;
  /** Dispatch loops running side by side. */
  loops: number;
  retryBaseMs: number;
  retryMaxMs: number;
  sent: Counter<'channel' | 'outcome'>;
}

export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #worker: NotifiedWorker;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#worker = new NotifiedWorker({
      name: 'notification dispatcher',
      pool: options.kit.pool,
      channel: dueChannel,
      pollIntervalMs: options.pollIntervalMs,
      logger: options.kit.logger,
      step: () => this.#step(),
      // Each failed row carries its own retry time; the loop only pauses, so an outage of
      // Transaction is not walked through at the pace of timeouts.
      backoffMs: () => options.pollIntervalMs,
      // Several loops, so one batch waiting on its slowest send does not hold up the next
      // (SKIP LOCKED hands each loop different rows). Each holds one connection per batch.
      loops: options.loops,
    });
  }

  start(): Promise<void> {
    return this.#worker.start();
  }

  /** Finishes the batches in progress, then stops. */
  stop(): Promise<void> {
    return this.#worker.stop();
  }

  async #step(): Promise<StepResult> {
    const results = await this.dispatchBatch();
    if (results.length === 0) return 'idle';
    if (!results.includes('sent')) return 'failed';
    return results.length < this.#options.batchSize ? 'idle' : 'more';
  }

  /**
   * Claims up to a batch of due notifications and sends them concurrently, in one
   * transaction that holds their row locks until each is recorded (the records queue on the
   * transaction's connection). Returns one result per claimed notification.
   */
  async dispatchBatch(): Promise<DispatchResult[]> {
    return this.#options.kit.withTransaction(async (tx) => {
      const due = await claimDue(tx, this.#options.batchSize);
      // Each send continues its payment outcome's trace, however long after it runs.
      return Promise.all(due.map((notification) => withRestoredTrace(notification.trace, 'notification send', (span) => this.#send(tx, notification, span))));
    });
  }

  async #send(tx: Tx, due: DueNotification, span: Span): Promise<DispatchResult> {
    const { kit, lookup, providers, sent } = this.#options;
    const attempt = due.attempts + 1;
    span.setAttributes({ 'metrox.notification.id': due.id, 'metrox.transaction.id': due.transactionId, 'metrox.notification.attempt': attempt });
    const log = kit.logger.child({ notificationId: due.id, transactionId: due.transactionId, attempt });
    try {
      const purchase = await lookup.purchase(due.transactionId);
      const contact = await lookup.contact(purchase.riderId);
      const outcome = due.outcome === 'CONFIRMED' ? { status: 'CONFIRMED' as const } : { status: 'FAILED' as const, reason: due.failureReason ?? 'payment failed' };
      const message = composeMessage(purchase, outcome, contact.displayName);
      const chosen = pickProvider(providers, contact);
      if (!chosen) throw new PermanentLookupError(`no provider can reach rider ${contact.riderId}`);
      const receipt = await chosen.provider.send({ notificationId: due.id, to: chosen.to, ...message });
      const record = await markSent(tx, due.id, {
        riderId: purchase.riderId,
        channel: chosen.provider.channel,
        recipient: chosen.to,
        ...message,
        providerMessageId: receipt.providerMessageId,
      });
      await kit.publish(
        tx,
        'NotificationSent',
        {
          notificationId: record.id,
          transactionId: record.transactionId,
          riderId: purchase.riderId,
          channel: chosen.provider.channel,
          outcome: due.outcome,
          sentAt: record.sentAt ?? new Date().toISOString(),
        },
        { subject: record.transactionId },
      );
      sent.inc({ channel: chosen.provider.channel, outcome: due.outcome });
      log.info({ channel: chosen.provider.channel, outcome: due.outcome }, 'rider notified');
      return 'sent';
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
      if (error instanceof PermanentLookupError) {
        await markUndeliverable(tx, due.id, reason);
        log.error({ err: error }, 'notification is undeliverable');
      } else {
        const delay = retryDelayMs(attempt, this.#options.retryBaseMs, this.#options.retryMaxMs);
        await markFailedAttempt(tx, due.id, reason, delay);
        log.warn({ err: error, retryInMs: delay }, 'notification not sent yet; will retry');
      }
      return 'failed';
    }
  }
}
