// `npm run bench [-- area…]`: runs every bench/<area>.bench.ts (or the named ones)
// one after another, each in its own Node process so one bench's state never skews
// the next, then collects bench/results/*.json into the table in bench/README.md.
//
//   npm run bench                       every bench, METROX_BENCH_RUNS=3 repetitions each
//   npm run bench -- kit                only bench/kit.bench.ts
//   npm run bench -- --collect          only rebuild the README table from the results
//   METROX_BENCH_RUNS=5 npm run bench   more repetitions (each bench reports medians)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeMachine, type Machine } from './machine.ts';
import { renderResults, replaceResultsSection, type CollectedResult } from './report.ts';
import { benchRuns, parseBenchResult, resultsDir } from './result.ts';

const benchDir = import.meta.dirname;
const root = join(benchDir, '..');
const readmePath = join(benchDir, 'README.md');
const args = process.argv.slice(2);
const collectOnly = args.includes('--collect');
const wanted = args.filter((a) => !a.startsWith('--'));
const timeoutMs = Number(process.env.METROX_BENCH_TIMEOUT_MS ?? 45 * 60_000);

const log = (message: string) => {
  console.error(`[bench] ${message}`);
};

function benchFiles(): string[] {
  const all = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).sort();
  const areas = all.map((f) => basename(f, '.bench.ts'));
  const unknown = wanted.filter((w) => !areas.includes(w));
  if (unknown.length > 0) throw new Error(`no bench file for ${unknown.join(', ')}; there are: ${areas.join(', ') || 'none'}`);
  return all.filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.bench.ts')));
}

function resultFiles(): string[] {
  try {
    return readdirSync(resultsDir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

function readResult(file: string): CollectedResult {
  const path = join(resultsDir, file);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { machine?: Machine };
  return { ...parseBenchResult(raw, `bench/results/${file}`), ...(raw.machine === undefined ? {} : { machine: raw.machine }) };
}

/** Runs one bench file; stamps the machine, with the load average at its start, into the results it wrote. */
function runBench(file: string, runs: number): boolean {
  const area = basename(file, '.bench.ts');
  for (const old of resultFiles().filter((f) => f.startsWith(`${area}-`))) rmSync(join(resultsDir, old));
  const machine = describeMachine(root);
  log(`${area}: ${runs} run(s), load average ${machine.loadAverage}`);
  const started = Date.now();
  const child = spawnSync(process.execPath, [join(benchDir, file)], {
    cwd: root,
    stdio: 'inherit',
    timeout: timeoutMs,
    env: { ...process.env, METROX_BENCH_RUNS: String(runs), METROX_BENCH_RESULTS: resultsDir },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const written = resultFiles().filter((f) => f.startsWith(`${area}-`));
  for (const f of written) {
    const path = join(resultsDir, f);
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, `${JSON.stringify({ ...raw, machine }, null, 2)}\n`);
  }
  if (child.error !== undefined || child.status !== 0) {
    log(`${area}: FAILED after ${seconds} s (${child.error?.message ?? `exit ${child.status ?? child.signal ?? '?'}`})`);
    return false;
  }
  if (written.length === 0) {
    log(`${area}: wrote no bench/results/${area}-*.json`);
    return false;
  }
  log(`${area}: done in ${seconds} s → ${written.join(', ')}`);
  return true;
}

function main(): number {
  let ok = true;
  if (!collectOnly) {
    const runs = benchRuns();
    const files = benchFiles();
    if (files.length === 0) log('no bench/*.bench.ts files yet');
    for (const file of files) ok = runBench(file, runs) && ok;
  }
  const results: CollectedResult[] = [];
  for (const file of resultFiles()) {
    try {
      results.push(readResult(file));
    } catch (error) {
      log(`skipping ${file}: ${(error as Error).message}`);
      ok = false;
    }
  }
  writeFileSync(readmePath, replaceResultsSection(readFileSync(readmePath, 'utf8'), renderResults(results)));
  log(`bench/README.md: ${results.length} result file(s) in the table`);
  return ok ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  log((error as Error).message);
  process.exitCode = 2;
}
