// Sends PENDING notifications in three short steps, none holding a database transaction or
// lock while the network is used: claim (one statement leases a batch of due rows, so other
// replicas skip them), send (compose the message from the row's purchase and contact, hand it
// to the provider with the notification id as idempotency key), record (SENT plus the
// NotificationSent event, in one short transaction). A dispatcher that dies mid-way leaves its
// claims to expire; the next attempt sends with the same key and the provider sends nothing
// twice. A failed attempt is rescheduled with backoff, without limit (an outage of the
// provider delays messages, it never drops them).
import { NotifiedWorker, type Kit, type StepResult } from '@metrox/kit';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Counter } from 'prom-client';
import { composeMessage, retryDelayMs } from '../domain/message.ts';
import { DeliveryInDoubtError, type Receipt } from '../providers/idempotency.ts';
import { pickProvider, type NotificationProvider } from '../providers/provider.ts';
import { claimDue, dueChannel, markFailedAttempt, markSent, markUndeliverable, type DueNotification } from '../store/notifications.ts';
import { withRestoredTrace } from './trace-carrier.ts';

/** Nothing can reach the rider, or the row lacks what the message needs: retrying cannot help. */
export class UndeliverableError extends Error {
  override name = 'UndeliverableError';
}

/** sent: the notification went out; failed: it was rescheduled or given up. */
export type DispatchResult = 'sent' | 'failed';

export interface DispatcherOptions {
  kit: Pick<Kit, 'pool' | 'logger' | 'publish' | 'withTransaction'>;
  providers: NotificationProvider[];
  pollIntervalMs: number;
  /** Notifications claimed and sent concurrently per step. */
  batchSize: number;
  /** Dispatch loops running side by side. */
  loops: number;
  /** How long a claim keeps a notification from other dispatchers: longer than a send takes. */
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  sent: Counter<'channel' | 'outcome'>;
}

/** What was sent, to be recorded. */
interface Sent {
  riderId: string;
  channel: NotificationProvider['channel'];
  recipient: string;
  subject: string;
  body: string;
  receipt: Receipt;
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
      // the provider is not walked through at the pace of timeouts.
      backoffMs: () => options.pollIntervalMs,
      // Several loops, so one batch waiting on its slowest send does not hold up the next
      // (each claim takes different rows).
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

  /** Claims up to a batch of due notifications and sends each concurrently. Returns one result per claimed notification. */
  async dispatchBatch(): Promise<DispatchResult[]> {
    const due = await claimDue(this.#options.kit.pool, this.#options.batchSize, this.#options.leaseMs);
    // Each send continues its payment outcome's trace, however long after it runs.
    return Promise.all(due.map((notification) => withRestoredTrace(notification.trace, 'notification send', (span) => this.#dispatch(notification, span))));
  }

  async #dispatch(due: DueNotification, span: Span): Promise<DispatchResult> {
    const attempt = due.attempts;
    span.setAttributes({ 'metrox.notification.id': due.id, 'metrox.transaction.id': due.transactionId, 'metrox.notification.attempt': attempt });
    const log = this.#options.kit.logger.child({ notificationId: due.id, transactionId: due.transactionId, attempt });
    let sent: Sent | undefined;
    try {
      sent = await this.#send(due);
      await this.#record(due, sent);
      this.#options.sent.inc({ channel: sent.channel, outcome: due.outcome });
      log.info({ channel: sent.channel, outcome: due.outcome }, 'rider notified');
      return 'sent';
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
      try {
        if (error instanceof UndeliverableError || error instanceof DeliveryInDoubtError) {
          await markUndeliverable(this.#options.kit.pool, due.id, reason);
          log.error({ err: error }, 'notification is undeliverable');
        } else {
          const delay = retryDelayMs(attempt, this.#options.retryBaseMs, this.#options.retryMaxMs);
          await markFailedAttempt(this.#options.kit.pool, due.id, reason, delay);
          // Sent but not recorded: the next attempt records it, the provider sends nothing again.
          log.warn({ err: error, retryInMs: delay }, sent ? 'notification sent, not recorded yet; will retry' : 'notification not sent yet; will retry');
        }
      } catch (recordError) {
        // The database is away too: the claim expires and the notification is tried again then.
        log.warn({ err: recordError, cause: reason }, 'notification not recorded; tried again when its claim expires');
      }
      return 'failed';
    }
  }

  /** Composes what to say from the row, and sends it with the notification id as idempotency key. */
  async #send(due: DueNotification): Promise<Sent> {
    const purchase = due.purchase;
    if (!purchase) throw new UndeliverableError('recorded before the purchase travelled with TransactionCompleted: nothing to compose the message from');
    const contact = { riderId: purchase.riderId, ...purchase.contact };
    const outcome = due.outcome === 'CONFIRMED' ? { status: 'CONFIRMED' as const } : { status: 'FAILED' as const, reason: due.failureReason ?? 'payment failed' };
    const message = composeMessage({ transactionId: due.transactionId, ...purchase }, outcome, contact.displayName);
    const chosen = pickProvider(this.#options.providers, contact);
    if (!chosen) throw new UndeliverableError(`no provider can reach rider ${contact.riderId}`);
    const receipt = await chosen.provider.send({ idempotencyKey: due.id, to: chosen.to, ...message });
    return { riderId: purchase.riderId, channel: chosen.provider.channel, recipient: chosen.to, ...message, receipt };
  }

  /** SENT and NotificationSent together; nothing when another attempt recorded it first. */
  async #record(due: DueNotification, sent: Sent): Promise<void> {
    const { kit } = this.#options;
    await kit.withTransaction(async (tx) => {
      const record = await markSent(tx, due.id, {
        riderId: sent.riderId,
        channel: sent.channel,
        recipient: sent.recipient,
        subject: sent.subject,
        body: sent.body,
        providerMessageId: sent.receipt.providerMessageId,
      });
      if (!record) return;
      await kit.publish(
        tx,
        'NotificationSent',
        {
          notificationId: record.id,
          transactionId: record.transactionId,
          riderId: sent.riderId,
          channel: sent.channel,
          outcome: due.outcome,
          sentAt: record.sentAt ?? new Date().toISOString(),
        },
        { subject: record.transactionId },
      );
    });
  }
}
