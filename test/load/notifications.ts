// Reading "was the rider notified, and when" from GET /v1/notifications?transactionId=….
// The list may come bare or as `{ items }`; a notification counts once it is sent
// (status SENT, or a sentAt time). The service's own sentAt is preferred over the
// moment a poll saw it, so the poll interval does not inflate the latency.

export interface SentNotification {
  /** Epoch milliseconds the service recorded, undefined when it gave none. */
  sentAtMs: number | undefined;
  outcome: string | undefined;
}

export function findSentNotification(body: unknown): SentNotification | undefined {
  const items: unknown[] = Array.isArray(body) ? body : Array.isArray((body as { items?: unknown } | null)?.items) ? (body as { items: unknown[] }).items : [];
  for (const item of items) {
    const record = item as { status?: unknown; sentAt?: unknown; outcome?: unknown } | null;
    if (record === null || typeof record !== 'object') continue;
    const sentAtMs = typeof record.sentAt === 'string' ? Date.parse(record.sentAt) : Number.NaN;
    const sent = record.status === 'SENT' || Number.isFinite(sentAtMs);
    if (sent) {
      return { sentAtMs: Number.isFinite(sentAtMs) ? sentAtMs : undefined, outcome: typeof record.outcome === 'string' ? record.outcome : undefined };
    }
  }
  return undefined;
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
