// Reading "were these riders notified, and when" from
// GET /v1/notifications?transactionId=a&transactionId=b…. The list may come bare or as
// `{ items }`; a notification counts once it is sent (status SENT, or a sentAt time). The
// service's own sentAt is preferred over the moment a poll saw it, so the poll interval
// does not inflate the latency.

export interface SentNotification {
  /** Epoch milliseconds the service recorded, undefined when it gave none. */
  sentAtMs: number | undefined;
  outcome: string | undefined;
}

/** The first sent notification per transaction id in the answer; transactions without one are absent. */
export function sentNotifications(body: unknown): Map<string, SentNotification> {
  const items: unknown[] = Array.isArray(body) ? body : Array.isArray((body as { items?: unknown } | null)?.items) ? (body as { items: unknown[] }).items : [];
  const sent = new Map<string, SentNotification>();
  for (const item of items) {
    const record = item as { transactionId?: unknown; status?: unknown; sentAt?: unknown; outcome?: unknown } | null;
    if (record === null || typeof record !== 'object' || typeof record.transactionId !== 'string' || sent.has(record.transactionId)) continue;
    const sentAtMs = typeof record.sentAt === 'string' ? Date.parse(record.sentAt) : Number.NaN;
    if (record.status === 'SENT' || Number.isFinite(sentAtMs)) {
      sent.set(record.transactionId, {
        sentAtMs: Number.isFinite(sentAtMs) ? sentAtMs : undefined,
        outcome: typeof record.outcome === 'string' ? record.outcome : undefined,
      });
    }
  }
  return sent;
}

/**
 * Purchase → notification latency: from the moment the purchase was sent to the
 * service's sentAt, or to when the poll saw it when there is no usable sentAt. A
 * sentAt before the purchase (clock trouble) falls back to the observation too.
 */
export function notificationLatency(purchasedAtMs: number, seenAtMs: number, sent: SentNotification): number {
  if (sent.sentAtMs !== undefined && sent.sentAtMs >= purchasedAtMs && sent.sentAtMs <= seenAtMs) return sent.sentAtMs - purchasedAtMs;
  return seenAtMs - purchasedAtMs;
}

/** Next poll delay: quick at first (most notifications arrive in well under a second), then backing off to 1 s. */
export function pollDelay(attempt: number, firstMs = 50, maxMs = 1000): number {
  return Math.min(maxMs, firstMs * 2 ** attempt);
}
