// A small client for Prometheus's HTTP query API, for tests that assert what a real
// Prometheus scraped.

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusQuery {
  /** Instant query; throws on a PromQL error (a broken expression is not "no data"). */
  query(expr: string): Promise<PromSample[]>;
}

export function createPrometheusQuery(baseUrl: string): PrometheusQuery {
  return {
    async query(expr) {
      const url = new URL('/api/v1/query', baseUrl);
      url.searchParams.set('query', expr);
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] } };
      if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error ?? response.status.toString()}`);
      return body.data?.result ?? [];
    },
  };
}
