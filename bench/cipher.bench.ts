// The cipher helper's price: AES-256-GCM encryption of an instrument reference through
// the helper (a separate process on loopback TCP, as the sidecar runs) against the same
// encryption in-process, measured in the same run so the ratio compares like with like.
//
//   npm run bench -- cipher
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createCipherClient, type CipherClient } from '@metrox/kit/cipher';
import { loadKeyDirectory, seal, type Keyring } from '@metrox/cipher';
import { benchRuns, metric, writeBenchResult } from './result.ts';

const root = join(import.meta.dirname, '..');
const sequentialCalls = 5_000;
const concurrentCalls = 20_000;
const concurrency = 64;
// As long in wall time as the helper runs, so both meet the same share of a busy machine.
const inProcessCalls = 200_000;
const warmupCalls = 2_000;

const reference = (i: number) => `upi:rider-${String(i).padStart(6, '0')}@okbank`;
const contextOf = (i: number) => `payment-${String(i).padStart(8, '0')}`;

interface Figures {
  perSecond: number;
  p50Micros: number;
  p99Micros: number;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function figures(latenciesMs: Float64Array, elapsedMs: number): Figures {
  const sorted = latenciesMs.slice().sort();
  return {
    perSecond: (latenciesMs.length / elapsedMs) * 1000,
    p50Micros: percentile(sorted, 50) * 1000,
    p99Micros: percentile(sorted, 99) * 1000,
  };
}

async function startHelperProcess(keysDir: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [join(root, 'services/cipher/src/main.ts')], {
    cwd: root,
    env: { ...process.env, CIPHER_KEYS_DIR: keysDir, CIPHER_PORT: '0', CIPHER_OPS_HOST: '127.0.0.1', CIPHER_OPS_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Keep reading its log to the end, so a chatty helper never blocks on a full pipe.
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; address?: string };
      if (entry.msg === 'cipher helper listening' && entry.address !== undefined) resolve({ child, address: entry.address });
    });
    child.once('exit', (code) => {
      reject(new Error(`the cipher helper exited (${code ?? 'signal'}) before listening`));
    });
  });
}

async function throughHelper(client: CipherClient, calls: number, workers: number): Promise<Figures> {
  const latencies = new Float64Array(calls);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < calls; i = next++) {
        const t0 = performance.now();
        await client.encrypt(reference(i), { context: contextOf(i) });
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  return figures(latencies, performance.now() - started);
}

function inProcess(keyring: Keyring, calls: number): Figures {
  const latencies = new Float64Array(calls);
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    seal(keyring.primary, reference(i), contextOf(i));
    latencies[i] = performance.now() - t0;
  }
  return figures(latencies, performance.now() - started);
}

const keysDir = await mkdtemp(join(tmpdir(), 'cipher-bench-'));
await writeFile(join(keysDir, 'k1'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
const keyring = await loadKeyDirectory(keysDir);
const { child, address } = await startHelperProcess(keysDir);
const client = createCipherClient({ address, poolSize: 4, deadlineMs: 30_000 });

const runs: { sequential: Figures; concurrent: Figures; local: Figures }[] = [];
try {
  await throughHelper(client, warmupCalls, concurrency);
  inProcess(keyring, warmupCalls);
  for (let run = 0; run < benchRuns(); run++) {
    const sequential = await throughHelper(client, sequentialCalls, 1);
    const concurrent = await throughHelper(client, concurrentCalls, concurrency);
    const local = inProcess(keyring, inProcessCalls);
    runs.push({ sequential, concurrent, local });
    console.error(
      `[cipher] run ${run + 1}: helper ${concurrent.perSecond.toFixed(0)}/s (x${concurrency}), ` +
        `sequential p50 ${sequential.p50Micros.toFixed(0)} µs; in-process ${local.perSecond.toFixed(0)}/s, p50 ${local.p50Micros.toFixed(1)} µs`,
    );
  }
} finally {
  client.close();
  child.kill('SIGTERM');
  await rm(keysDir, { recursive: true, force: true });
}

const each = (pick: (r: (typeof runs)[number]) => number) => runs.map(pick);
writeBenchResult({
  area: 'cipher',
  benchmark: 'encrypt through the helper vs in-process',
  metrics: [
    metric(`helper, ${concurrency} concurrent calls: requests/s`, 'requests/s', each((r) => r.concurrent.perSecond)),
    metric(`helper, ${concurrency} concurrent calls: p50`, 'µs', each((r) => r.concurrent.p50Micros)),
    metric(`helper, ${concurrency} concurrent calls: p99`, 'µs', each((r) => r.concurrent.p99Micros)),
    metric('helper, one call at a time: requests/s', 'requests/s', each((r) => r.sequential.perSecond)),
    metric('helper, one call at a time: p50', 'µs', each((r) => r.sequential.p50Micros)),
    metric('helper, one call at a time: p99', 'µs', each((r) => r.sequential.p99Micros)),
    metric('in-process: requests/s', 'requests/s', each((r) => r.local.perSecond)),
    metric('in-process: p50', 'µs', each((r) => r.local.p50Micros)),
    metric('in-process: p99', 'µs', each((r) => r.local.p99Micros)),
    metric(`helper ÷ in-process requests/s (${concurrency} concurrent)`, 'ratio', each((r) => r.concurrent.perSecond / r.local.perSecond)),
    metric('helper ÷ in-process p50 latency (one call at a time)', 'ratio', each((r) => r.sequential.p50Micros / r.local.p50Micros)),
    metric('helper ÷ in-process p99 latency (one call at a time)', 'ratio', each((r) => r.sequential.p99Micros / r.local.p99Micros)),
  ],
  notes:
    `AES-256-GCM encrypt of a ~24-byte UPI reference with a context. Helper: services/cipher as its own Node process on loopback TCP, ` +
    `kit client with 4 pooled connections; ${sequentialCalls.toLocaleString('en-US')} sequential and ${concurrentCalls.toLocaleString('en-US')} calls at ${concurrency} in flight per run. ` +
    `In-process: the same seal() ${inProcessCalls.toLocaleString('en-US')} times in a loop. Client and helper share the 2 cores.`,
  command: 'npm run bench -- cipher',
});
