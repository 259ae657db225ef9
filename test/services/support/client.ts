// Small helpers the cross-service tests share: JSON over HTTP, metrics, waiting.
import { waitUntil } from '../../support/processes.ts';

export interface JsonResponse<T = unknown> {
  status: number;
  contentType: string;
  headers: Headers;
  body: T;
}

export async function http<T = Record<string, unknown>>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<JsonResponse<T>> {
  const { json, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...(rest.headers as Record<string, string> | undefined) },
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', headers: response.headers, body: body as T };
}

/** The value of one Prometheus sample, 0 when absent. `labels` must match exactly as rendered. */
export async function metricValue(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(url)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const rendered = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    const found: Record<string, string | undefined> = Object.fromEntries(
      [...rendered.matchAll(/(\w+)="([^"]*)"/g)].map((match): [string, string | undefined] => [match[1] ?? '', match[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value) && Object.keys(found).length === Object.keys(labels).length) {
      return Number(line.slice(line.lastIndexOf('}') + 1).trim().split(' ')[0]);
    }
  }
  return 0;
}

/** Polls `read` until `accept` holds; returns the accepted value. */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  let last: T | undefined;
  await waitUntil(
    async () => {
      last = await read();
      return accept(last);
    },
    timeoutMs,
    () => `timed out waiting for ${what}; last value: ${JSON.stringify(last)}`,
  );
  return last as T;
}
