// A rider's purchase as the suites on the real node make it: POST with an
// Idempotency-Key and a traceparent of our own (so the trace can be found), retried
// with the same key while the path to a Pod is broken, then followed until the
// ticket is settled and the rider notified.
import { randomBytes, randomUUID } from 'node:crypto';
import { waitUntil } from '../support/processes.ts';

export interface Purchase {
  id: string;
  traceId: string;
  status: string;
}

export interface Notification {
  id: string;
  status: string;
}

type Urls = Record<'transaction' | 'payment' | 'notification', string>;

class Refused extends Error {}

/**
 * A read through a port forward: a reset connection or a 5xx (the Pod behind the
 * forward going away, the forward restarting) is read again; a 4xx is an answer.
 */
async function getJson<T>(url: string): Promise<T> {
  let body: T | undefined;
  let last = '';
  await waitUntil(
    async () => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        if (response.status === 200) {
          body = (await response.json()) as T;
          return true;
        }
        last = `${String(response.status)} ${await response.text()}`;
        if (response.status < 500) throw new Refused(`GET ${url} answered ${last}`);
        return false;
      } catch (error) {
        if (error instanceof Refused) throw error;
        last = String(error);
        return false;
      }
    },
    30_000,
    () => `GET ${url} failed: ${last}`,
  );
  return body as T;
}

/**
 * POSTs the purchase until a service answers 201 (or 200, the idempotent replay): a
 * reset connection or a 5xx while a Pod goes away is retried with the same key, so a
 * purchase is never made twice and never lost.
 */
export async function buy(
  transactionUrl: string,
  paymentMethod: string,
  traceId: string,
  { rider = `rider-${randomUUID().slice(0, 8)}`, idempotencyKey = randomUUID() }: { rider?: string; idempotencyKey?: string } = {},
): Promise<string> {
  let last = '';
  let id: string | undefined;
  await waitUntil(
    async () => {
      try {
        const response = await fetch(`${transactionUrl}/v1/transactions`, {
          method: 'POST',
          signal: AbortSignal.timeout(10_000),
          headers: {
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey,
            traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
          },
          body: JSON.stringify({ riderId: rider, fromStation: 'aluva', toStation: 'kaloor', paymentMethod }),
        });
        const body = await response.text();
        last = `${String(response.status)} ${body}`;
        if (response.status === 201 || response.status === 200) {
          id = (JSON.parse(body) as { id: string }).id;
          return true;
        }
        if (response.status < 500) throw new Error(`the purchase was refused: ${last}`);
        return false;
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('the purchase was refused')) throw error;
        last = String(error);
        return false;
      }
    },
    60_000,
    () => `the purchase never got through: ${last}`,
  );
  if (id === undefined) throw new Error(`no id in ${last}`);
  return id;
}

export async function transactionsOf(urls: Urls, riderId: string): Promise<{ id: string }[]> {
  return (await getJson<{ items: { id: string }[] }>(`${urls.transaction}/v1/transactions?riderId=${riderId}`)).items;
}

export async function paymentsOf(urls: Urls, transactionId: string): Promise<{ status: string }[]> {
  return (await getJson<{ items: { status: string }[] }>(`${urls.payment}/v1/payments?transactionId=${transactionId}`)).items;
}

export async function notificationsOf(urls: Urls, transactionId: string): Promise<Notification[]> {
  return (await getJson<{ items: Notification[] }>(`${urls.notification}/v1/notifications?transactionId=${transactionId}`)).items;
}

/** Waits until the ticket is CONFIRMED or FAILED and the rider was notified of it. */
export async function settle(urls: Urls, id: string, traceId: string, timeoutMs = 90_000): Promise<Purchase> {
  let status = 'unknown';
  await waitUntil(
    async () => {
      status = (await getJson<{ status: string }>(`${urls.transaction}/v1/transactions/${id}`)).status;
      if (status !== 'CONFIRMED' && status !== 'FAILED') return false;
      return (await notificationsOf(urls, id)).some((n) => n.status === 'SENT');
    },
    timeoutMs,
    () => `purchase ${id} was not settled and notified in ${String(timeoutMs)} ms (status ${status})`,
  );
  return { id, traceId, status };
}

export async function buyAndSettle(urls: Urls, paymentMethod: string, traceId: string): Promise<Purchase> {
  return settle(urls, await buy(urls.transaction, paymentMethod, traceId), traceId);
}
