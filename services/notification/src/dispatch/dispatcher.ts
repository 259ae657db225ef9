// Sends PENDING notifications. One row at a time, each in its own transaction that holds
// the row lock while it looks up the rider, sends and records: another replica skips a
// locked row, so a notification is sent by one dispatcher only, and SENT plus the
// NotificationSent event commit together. A failed attempt is rescheduled with backoff,
// without limit (an outage of Transaction delays messages, it never drops them).
import type { Kit, Tx } from '@metrox/kit';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type pg from 'pg';
import type { Counter } from 'prom-client';
import { composeMessage, retryDelayMs } from '../domain/message.ts';
import { pickProvider, type NotificationProvider } from '../providers/provider.ts';
import { claimDue, dueChannel, markFailedAttempt, markSent, markUndeliverable, type DueNotification } from '../store/notifications.ts';
import { withRestoredTrace } from './trace-carrier.ts';
import { PermanentLookupError, type TransactionLookup } from './transaction-client.ts';

/** sent: a notification went out; failed: one was rescheduled or given up; idle: none was due. */
export type DispatchResult = 'sent' | 'failed' | 'idle';

export interface DispatcherOptions {
  kit: Pick<Kit, 'pool' | 'logger' | 'publish' | 'withTransaction'>;
  lookup: TransactionLookup;
  providers: NotificationProvider[];
  pollIntervalMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  sent: Counter<'channel' | 'outcome'>;
}

export class Dispatcher {
  readonly #options: DispatcherOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #listener: pg.PoolClient | undefined;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      const listener = await this.#options.kit.pool.connect();
      listener.on('notification', () => this.#wake?.());
      listener.on('error', () => {
        this.#listener = undefined; // polling carries on
      });
      await listener.query(`LISTEN ${dueChannel}`);
      this.#listener = listener;
    } catch (error) {
      this.#options.kit.logger.warn({ err: error }, 'notification dispatcher polls without LISTEN/NOTIFY');
    }
    this.#loop = this.#run();
  }

  /** Finishes the notification in progress, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener) {
      await listener.query(`UNLISTEN ${dueChannel}`).catch(() => undefined);
      listener.release();
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let result: DispatchResult = 'failed';
      try {
        result = await this.dispatchOne();
      } catch (error) {
        this.#options.kit.logger.error({ err: error }, 'notification dispatcher failed; retrying');
      }
      // After a failure the next row would most likely fail the same way (Transaction down):
      // pause instead of walking the whole backlog at the pace of timeouts.
      if (result !== 'sent') await this.#sleep(this.#options.pollIntervalMs);
    }
  }

  async #sleep(ms: number): Promise<void> {
    if (!this.#running) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  /** Handles at most one due notification. */
  async dispatchOne(): Promise<DispatchResult> {
    return this.#options.kit.withTransaction(async (tx) => {
      const due = await claimDue(tx);
      if (!due) return 'idle';
      // The send continues the payment outcome's trace, however long after it runs.
      return withRestoredTrace(due.trace, 'notification send', (span) => this.#send(tx, due, span));
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
