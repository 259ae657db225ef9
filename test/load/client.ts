// The public REST contract the load generator drives: transaction (purchases) and
// notification (what was sent to the rider). Nothing here decides anything.
import type { Purchase } from './data.ts';

/** The error of a request the client gave up on after its timeout. */
export const timedOut = 'timed out';

export interface PurchaseResponse {
  status: number;
  /** The created transaction's id, for 201 (and 200 on an idempotent replay). */
  transactionId: string | undefined;
  /** The problem+json title or a network error, for anything else. */
  error: string | undefined;
  /** How long the service asked the client to wait before trying again (Retry-After), if it did. */
  retryAfterMs: number | undefined;
}

/** Pure: a Retry-After header in delay-seconds form as milliseconds; undefined when absent or an HTTP date. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

export interface MetroClient {
  purchase(purchase: Purchase, idempotencyKey: string): Promise<PurchaseResponse>;
  /** The raw body of GET /v1/notifications?transactionId=…&transactionId=… (up to 100), see notifications.ts. */
  notifications(transactionIds: readonly string[]): Promise<unknown>;
}

export interface ClientOptions {
  transactionUrl: string;
  notificationUrl: string;
  timeoutMs: number;
}

export function createMetroClient(options: ClientOptions): MetroClient {
  const at = (base: string, path: string) => new URL(path, base.endsWith('/') ? base : `${base}/`);

  async function getJson(url: URL): Promise<{ status: number; body: unknown }> {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), headers: { accept: 'application/json' } });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : parse(text) };
  }

  return {
    async purchase(purchase, idempotencyKey) {
      try {
        const response = await fetch(at(options.transactionUrl, 'v1/transactions'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify(purchase),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        const body = parse(await response.text()) as { id?: unknown; title?: unknown; detail?: unknown } | undefined;
        if (response.status === 201 || response.status === 200) {
          return { status: response.status, transactionId: typeof body?.id === 'string' ? body.id : undefined, error: undefined, retryAfterMs: undefined };
        }
        const detail = typeof body?.detail === 'string' ? body.detail : typeof body?.title === 'string' ? body.title : 'no problem detail';
        return { status: response.status, transactionId: undefined, error: detail, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
      } catch (error) {
        return { status: 0, transactionId: undefined, error: describe(error), retryAfterMs: undefined };
      }
    },
    async notifications(transactionIds) {
      const url = at(options.notificationUrl, 'v1/notifications');
      for (const id of transactionIds) url.searchParams.append('transactionId', id);
      const { status, body } = await getJson(url);
      if (status !== 200) throw new Error(`GET /v1/notifications answered ${status}`);
      return body;
    },
  };
}

function parse(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return error.name === 'TimeoutError' ? timedOut : `${error.message}${cause}`;
  }
  return String(error);
}
