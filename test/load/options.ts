// Command-line options of `npm run load`, parsed and checked in one pure function
// so a typo is a clear message before any purchase is sent.
import { parseArgs } from 'node:util';
import { defaultMethodMix, parseMethodMix, type MethodMix } from './data.ts';
import type { LoadMode } from './run.ts';

export interface LoadOptions {
  mode: LoadMode;
  durationMs: number;
  transactionUrl: string;
  notificationUrl: string;
  riders: number;
  methods: MethodMix;
  /** Explicit station ids; undefined means "read the fare network file". */
  stations: string[] | undefined;
  networkFile: string | undefined;
  seed: number;
  maxInFlight: number;
  trackNotifications: boolean;
  notificationTimeoutMs: number;
  maxConcurrentPolls: number;
  requestTimeoutMs: number;
  jsonFile: string | undefined;
  quiet: boolean;
  help: boolean;
}

export const usage = `Usage: npm run load -- [options]

Buys metro tickets through the public REST API and reports throughput and latency.

  --rate N              purchases per second (open model; default 50)
  --concurrency N       N riders buying back to back instead of a fixed rate (a rider
                        answered with Retry-After waits as asked)
  --duration D          how long to buy: 30s, 2m, 500ms, or seconds (default 30s)
  --url URL             transaction service (default $METROX_TRANSACTION_URL or http://127.0.0.1:8080)
  --notification-url U  notification service (default $METROX_NOTIFICATION_URL or http://127.0.0.1:8083)
  --riders N            distinct riders (default 10000)
  --methods MIX         payment mix, e.g. upi=0.6,card=0.25,wallet=0.15 (the default)
  --stations A,B,…      station ids (default: every station of the fare network)
  --network FILE        fare network JSON (default: services/transaction/src/network/kochi-metro.json)
  --seed N              seed of the purchase data (default 1)
  --max-in-flight N     client-side cap on unanswered purchases (default 2000)
  --no-notifications    skip following purchases to their notification
  --notify-timeout D    wait this long for outstanding notifications at the end (default 15s)
  --polls N             concurrent notification polls (default 32)
  --timeout D           per-request timeout (default 10s)
  --json FILE           also write the result as JSON
  --quiet               no live progress line

The decline ratio is the payment service's setting (PAYMENT_DECLINE_RATIO, per
method); the report shows the ratio observed among notified purchases.`;

/** Parses 30s, 2m, 500ms, 1h or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new Error(`"${text}" is not a duration (examples: 30s, 2m, 500ms)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] ?? 1000;
  const ms = value * factor;
  if (ms <= 0) throw new Error(`duration "${text}" must be above zero`);
  return ms;
}

function positive(name: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a ${integer ? 'whole ' : ''}number above 0, got "${text}"`);
  }
  return value;
}

export function parseLoadOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): LoadOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      duration: { type: 'string', default: '30s' },
      url: { type: 'string' },
      'notification-url': { type: 'string' },
      riders: { type: 'string', default: '10000' },
      methods: { type: 'string' },
      stations: { type: 'string' },
      network: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'max-in-flight': { type: 'string', default: '2000' },
      'no-notifications': { type: 'boolean', default: false },
      'notify-timeout': { type: 'string', default: '15s' },
      polls: { type: 'string', default: '32' },
      timeout: { type: 'string', default: '10s' },
      json: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.rate !== undefined && values.concurrency !== undefined) throw new Error('give either --rate or --concurrency, not both');
  const mode: LoadMode =
    values.concurrency !== undefined
      ? { kind: 'concurrency', workers: positive('concurrency', values.concurrency, true) }
      : { kind: 'rate', ratePerSecond: positive('rate', values.rate ?? '50', false) };
  const stations = values.stations?.split(',').map((s) => s.trim()).filter(Boolean);
  if (stations !== undefined && new Set(stations).size < 2) throw new Error('--stations needs at least two different station ids');
  if (stations !== undefined && values.network !== undefined) throw new Error('give either --stations or --network, not both');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number, got "${values.seed}"`);
  return {
    mode,
    durationMs: parseDuration(values.duration),
    transactionUrl: values.url ?? env.METROX_TRANSACTION_URL ?? 'http://127.0.0.1:8080',
    notificationUrl: values['notification-url'] ?? env.METROX_NOTIFICATION_URL ?? 'http://127.0.0.1:8083',
    riders: positive('riders', values.riders, true),
    methods: values.methods === undefined ? defaultMethodMix : parseMethodMix(values.methods),
    stations,
    networkFile: values.network,
    seed,
    maxInFlight: positive('max-in-flight', values['max-in-flight'], true),
    trackNotifications: !values['no-notifications'],
    notificationTimeoutMs: parseDuration(values['notify-timeout']),
    maxConcurrentPolls: positive('polls', values.polls, true),
    requestTimeoutMs: parseDuration(values.timeout),
    jsonFile: values.json,
    quiet: values.quiet,
    help: values.help,
  };
}
