// Drives purchases against the REST contract and measures them: an open model at a
// fixed rate (latency from each purchase's due time, so queueing shows) or a closed
// model of N concurrent riders, then follows every created purchase until the rider
// is notified. Decisions (schedule, statistics, parsing) live in the pure modules.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { timedOut, type MetroClient, type PurchaseResponse } from './client.ts';
import type { Purchase } from './data.ts';
import { notificationLatency, pollDelay, sentNotifications, type SentNotification } from './notifications.ts';
import { dueAt, dueBy, totalScheduled, waitUntilDue } from './schedule.ts';
import { summarize, type LatencySummary } from './stats.ts';

export type LoadMode = { kind: 'rate'; ratePerSecond: number } | { kind: 'concurrency'; workers: number };

export interface LoadPlan {
  mode: LoadMode;
  durationMs: number;
  /** Purchases waiting for a response beyond this are not sent (counted as dropped): the client, not the system, is saturated. */
  maxInFlight: number;
  trackNotifications: boolean;
  /** How long to keep waiting for notifications after the last purchase was answered. */
  notificationTimeoutMs: number;
  maxConcurrentPolls: number;
  nextPurchase: () => Purchase;
  newIdempotencyKey?: () => string;
  onProgress?: (progress: LoadProgress) => void;
  progressIntervalMs?: number;
}

export interface LoadProgress {
  phase: 'buying' | 'awaiting notifications';
  elapsedMs: number;
  sent: number;
  created: number;
  failed: number;
  dropped: number;
  inFlight: number;
  awaitingNotification: number;
  notified: number;
  /** Created purchases per second over the last progress interval. */
  recentRate: number;
  /** REST p99 over the last progress interval, NaN when nothing was answered. */
  recentRestP99: number;
}

export interface LoadResult {
  mode: LoadMode;
  plannedDurationMs: number;
  /** From the start to the last purchase response. */
  elapsedMs: number;
  purchases: {
    sent: number;
    created: number;
    failed: number;
    dropped: number;
    /** Purchases the client gave up on after its timeout (counted in `failed` too). */
    timedOut: number;
    byStatus: Record<string, number>;
    /** The most frequent failure messages, most frequent first. */
    errors: { message: string; count: number }[];
  };
  throughput: {
    /** Purchases answered 201 per second of the buying window. */
    createdPerSecond: number;
    /** Riders notified per second, from the start to the last notification. */
    notifiedPerSecond: number;
  };
  /** POST /v1/transactions latency in ms (from due time in rate mode), every answer. */
  rest: LatencySummary;
  /** The same, of the purchases the service accepted (201, or 200 on a replay) only. */
  restCreated: LatencySummary;
  notification:
    | {
        tracked: number;
        notified: number;
        missing: number;
        pollErrors: number;
        /** Purchase sent → notification sent, in ms. */
        latency: LatencySummary;
      }
    | undefined;
  /** Payment outcome (the purchase's final status) per notified purchase, from its notification. */
  outcomes: Record<string, number>;
  /** FAILED / (CONFIRMED + FAILED) among notified purchases; NaN when none. */
  declineRatio: number;
}

interface Pending {
  purchasedAtEpochMs: number;
  nextPollAt: number;
  attempt: number;
  polling: boolean;
}

const epochNow = () => performance.timeOrigin + performance.now();
/** Purchases asked about per GET /v1/notifications (the service accepts up to 100). */
const notificationsPerPoll = 100;

export async function runLoad(client: MetroClient, plan: LoadPlan): Promise<LoadResult> {
  const newKey = plan.newIdempotencyKey ?? randomUUID;
  const start = performance.now();
  const restLatencies: number[] = [];
  const createdLatencies: number[] = [];
  const notificationLatencies: number[] = [];
  const byStatus: Record<string, number> = {};
  const errors = new Map<string, number>();
  const outcomes: Record<string, number> = {};
  const pending = new Map<string, Pending>();
  const inFlightRequests = new Set<Promise<unknown>>();
  let sent = 0;
  let created = 0;
  let dropped = 0;
  let timeouts = 0;
  let lastResponseAt = start;
  let lastNotifiedAt = start;
  let pollErrors = 0;
  let sendingDone = false;

  async function purchaseOnce(intendedAt: number): Promise<PurchaseResponse> {
    sent++;
    const response = await client.purchase(plan.nextPurchase(), newKey());
    const answeredAt = performance.now();
    lastResponseAt = Math.max(lastResponseAt, answeredAt);
    restLatencies.push(answeredAt - intendedAt);
    const status = response.status === 0 ? 'network error' : String(response.status);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if ((response.status === 201 || response.status === 200) && response.transactionId !== undefined) {
      created++;
      createdLatencies.push(answeredAt - intendedAt);
      if (plan.trackNotifications) {
        pending.set(response.transactionId, {
          purchasedAtEpochMs: performance.timeOrigin + intendedAt,
          nextPollAt: answeredAt + pollDelay(0),
          attempt: 0,
          polling: false,
        });
      }
    } else {
      if (response.status === 0 && response.error === timedOut) timeouts++;
      const message = `${status}: ${response.error ?? 'no transaction id in the response'}`;
      errors.set(message, (errors.get(message) ?? 0) + 1);
    }
    return response;
  }

  function launch(intendedAt: number): void {
    const request = purchaseOnce(intendedAt).finally(() => inFlightRequests.delete(request));
    inFlightRequests.add(request);
  }

  async function buyAtRate(ratePerSecond: number): Promise<void> {
    const total = totalScheduled(plan.durationMs, ratePerSecond);
    let index = 0;
    while (index < total) {
      const due = dueBy(performance.now() - start, ratePerSecond, total);
      for (; index < due; index++) {
        if (inFlightRequests.size >= plan.maxInFlight) dropped++;
        else launch(start + dueAt(index, ratePerSecond));
      }
      if (index < total) await sleep(Math.min(20, Math.max(1, waitUntilDue(index, performance.now() - start, ratePerSecond))));
    }
  }

  async function buyWithWorkers(workers: number): Promise<void> {
    const end = start + plan.durationMs;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (performance.now() < end) {
          // A rider turned away with Retry-After waits as asked, as a well-behaved client does.
          const { retryAfterMs } = await purchaseOnce(performance.now());
          if (retryAfterMs === undefined) continue;
          if (performance.now() + retryAfterMs >= end) break;
          await sleep(retryAfterMs);
        }
      }),
    );
  }

  /** Asks about up to a page of pending purchases in one request. */
  async function poll(ids: string[]): Promise<void> {
    const entries = ids.map((id) => pending.get(id)).filter((entry) => entry !== undefined);
    for (const entry of entries) entry.polling = true;
    let sent = new Map<string, SentNotification>();
    try {
      sent = sentNotifications(await client.notifications(ids));
    } catch {
      pollErrors++;
    }
    const now = performance.now();
    for (const id of ids) {
      const entry = pending.get(id);
      if (entry === undefined) continue;
      const notification = sent.get(id);
      if (notification !== undefined) {
        notificationLatencies.push(notificationLatency(entry.purchasedAtEpochMs, epochNow(), notification));
        lastNotifiedAt = now;
        pending.delete(id);
        // The notification announces the payment outcome, which is the purchase's final status.
        const outcome = notification.outcome ?? 'unknown';
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        continue;
      }
      entry.attempt++;
      entry.nextPollAt = now + pollDelay(entry.attempt);
      entry.polling = false;
    }
  }

  async function followNotifications(): Promise<void> {
    const activePolls = new Set<Promise<void>>();
    let drainDeadline = Number.POSITIVE_INFINITY;
    for (;;) {
      const now = performance.now();
      if (sendingDone && drainDeadline === Number.POSITIVE_INFINITY) drainDeadline = now + plan.notificationTimeoutMs;
      if (sendingDone && (pending.size === 0 || now >= drainDeadline)) break;
      let page: string[] = [];
      for (const [id, entry] of pending) {
        if (activePolls.size >= plan.maxConcurrentPolls) break;
        if (entry.polling || entry.nextPollAt > now) continue;
        page.push(id);
        if (page.length === notificationsPerPoll) {
          launchPoll(page);
          page = [];
        }
      }
      if (page.length > 0 && activePolls.size < plan.maxConcurrentPolls) launchPoll(page);
      await sleep(10);
    }
    await Promise.all(activePolls);

    function launchPoll(ids: string[]): void {
      const polling = poll(ids).finally(() => activePolls.delete(polling));
      activePolls.add(polling);
    }
  }

  let lastProgress = { at: start, created: 0, answered: 0 };
  function progress(): LoadProgress {
    const now = performance.now();
    const recent = restLatencies.slice(lastProgress.answered);
    const snapshot: LoadProgress = {
      phase: sendingDone ? 'awaiting notifications' : 'buying',
      elapsedMs: now - start,
      sent,
      created,
      failed: sent - created - inFlightRequests.size,
      dropped,
      inFlight: inFlightRequests.size,
      awaitingNotification: pending.size,
      notified: notificationLatencies.length,
      recentRate: ((created - lastProgress.created) * 1000) / Math.max(1, now - lastProgress.at),
      recentRestP99: summarize(recent).p99,
    };
    lastProgress = { at: now, created, answered: restLatencies.length };
    return snapshot;
  }
  const onProgress = plan.onProgress;
  const ticker = onProgress && setInterval(() => { onProgress(progress()); }, plan.progressIntervalMs ?? 1000);

  try {
    const following = plan.trackNotifications ? followNotifications() : Promise.resolve();
    if (plan.mode.kind === 'rate') await buyAtRate(plan.mode.ratePerSecond);
    else await buyWithWorkers(plan.mode.workers);
    await Promise.all(inFlightRequests);
    sendingDone = true;
    await following;
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
  }

  const elapsedMs = lastResponseAt - start;
  const confirmed = outcomes.CONFIRMED ?? 0;
  const failedOutcomes = outcomes.FAILED ?? 0;
  return {
    mode: plan.mode,
    plannedDurationMs: plan.durationMs,
    elapsedMs,
    purchases: {
      sent,
      created,
      failed: sent - created,
      dropped,
      timedOut: timeouts,
      byStatus,
      errors: [...errors].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count).slice(0, 5),
    },
    throughput: {
      createdPerSecond: (created * 1000) / Math.max(1, elapsedMs),
      notifiedPerSecond: (notificationLatencies.length * 1000) / Math.max(1, lastNotifiedAt - start),
    },
    rest: summarize(restLatencies),
    restCreated: summarize(createdLatencies),
    notification: plan.trackNotifications
      ? { tracked: created, notified: notificationLatencies.length, missing: pending.size, pollErrors, latency: summarize(notificationLatencies) }
      : undefined,
    outcomes,
    declineRatio: failedOutcomes / (confirmed + failedOutcomes),
  };
}
