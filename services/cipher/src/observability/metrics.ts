// The helper's Prometheus metrics: requests by op and outcome (`ok` or the error
// code), their latency, open connections and the keys in use.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type OpLabel = 'encrypt' | 'decrypt' | 'unknown';

export interface CipherMetrics {
  registry: Registry;
  requests: Counter<'op' | 'outcome'>;
  duration: Histogram<'op' | 'outcome'>;
  connections: Gauge;
  keys: Gauge;
  primaryKey: Gauge<'key_id'>;
  keyReloads: Counter<'outcome'>;
}

export function createCipherMetrics(options: { collectDefaults?: boolean } = {}): CipherMetrics {
  const registry = new Registry();
  if (options.collectDefaults ?? false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'cipher_requests_total',
      help: 'Cipher requests by op (encrypt, decrypt, unknown for unreadable frames) and outcome (ok or the error code).',
      labelNames: ['op', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'cipher_request_duration_seconds',
      help: 'Time from a complete request frame to its response being queued.',
      labelNames: ['op', 'outcome'],
      buckets: [0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1],
      registers: [registry],
    }),
    connections: new Gauge({ name: 'cipher_connections', help: 'Open client connections.', registers: [registry] }),
    keys: new Gauge({ name: 'cipher_keys', help: 'Keys loaded (the primary and older ones still able to decrypt).', registers: [registry] }),
    primaryKey: new Gauge({
      name: 'cipher_primary_key_info',
      help: 'The key new data is encrypted with (value 1).',
      labelNames: ['key_id'],
      registers: [registry],
    }),
    keyReloads: new Counter({
      name: 'cipher_key_reloads_total',
      help: 'Re-reads of the key directory by outcome (ok, failed: the previous keys stay in use).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}
