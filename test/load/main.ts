// `npm run load`: buys metro tickets against running MetroX services and reports
// throughput and latency percentiles (see `npm run load -- --help`).
import { writeFileSync } from 'node:fs';
import { createMetroClient } from './client.ts';
import { createPurchaseGenerator, createRandom } from './data.ts';
import { stationIdsFromFile } from './network.ts';
import { parseLoadOptions, usage } from './options.ts';
import { formatProgress, formatReport } from './report.ts';
import { runLoad, type LoadProgress } from './run.ts';

async function main(): Promise<number> {
  let options;
  try {
    options = parseLoadOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const stations = options.stations ?? stationIdsFromFile(options.networkFile);
  const services = [options.transactionUrl, ...(options.trackNotifications ? [options.notificationUrl] : [])];
  const unreachable = (await Promise.all(services.map(async (url) => ((await isReady(url)) ? undefined : url)))).filter((url) => url !== undefined);
  if (unreachable.length > 0) {
    console.error(`not ready: ${unreachable.join(', ')} (GET /readyz). Start MetroX with \`npm run local\`, or point --url/--notification-url at it.`);
    return 1;
  }
  const client = createMetroClient({ transactionUrl: options.transactionUrl, notificationUrl: options.notificationUrl, timeoutMs: options.requestTimeoutMs });

  // A live line on a terminal; one line every 5 s in a log (CI, a pipe).
  const live = process.stderr.isTTY;
  const showProgress = (progress: LoadProgress) => {
    if (live) process.stderr.write(`\r\x1b[2K${formatProgress(progress)}`);
    else console.error(formatProgress(progress));
  };

  console.error(`buying from ${options.transactionUrl} with ${options.riders} riders over ${stations.length} stations…`);
  const result = await runLoad(client, {
    mode: options.mode,
    durationMs: options.durationMs,
    maxInFlight: options.maxInFlight,
    trackNotifications: options.trackNotifications,
    notificationTimeoutMs: options.notificationTimeoutMs,
    maxConcurrentPolls: options.maxConcurrentPolls,
    nextPurchase: createPurchaseGenerator({ stations, riders: options.riders, methods: options.methods, random: createRandom(options.seed) }),
    ...(options.quiet ? {} : { onProgress: showProgress, progressIntervalMs: live ? 1000 : 5000 }),
  });
  if (live && !options.quiet) process.stderr.write('\n');
  console.log(formatReport(result));
  if (options.jsonFile !== undefined) writeFileSync(options.jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  return result.purchases.created === 0 ? 1 : 0;
}

async function isReady(base: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('readyz', base.endsWith('/') ? base : `${base}/`), { signal: AbortSignal.timeout(5_000) });
    return response.ok;
  } catch {
    return false;
  }
}

process.exitCode = await main();
