// The result format every bench/<area>.bench.ts writes, and the helpers to write it.
// A bench repeats its measurement METROX_BENCH_RUNS times (default 3) and reports
// the median with every run's value, so the table shows both the figure and its spread.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine, type Machine } from './machine.ts';

export interface BenchTarget {
  op: '>=' | '<=';
  value: number;
}

export interface BenchMetric {
  /** What was measured, e.g. "purchases/s end to end, telemetry on". */
  name: string;
  /** purchases/s, ms, s, ratio, events/s… */
  unit: string;
  median: number;
  /** Every run's value, in run order. */
  runs: number[];
  /** The target for this figure, when there is one. */
  target?: BenchTarget;
}

export interface BenchResult {
  /** The bench file's stem: bench/messaging.bench.ts → "messaging". */
  area: string;
  /** A short human name for the scenario. */
  benchmark: string;
  metrics: BenchMetric[];
  /** Conditions worth knowing when reading the figure (rate, sizes, what shared the machine). */
  notes?: string;
  /** The command that reproduces this result. */
  command: string;
  finishedAt: string;
  /** What it ran on: stamped when written, and again by `npm run bench` with the load at the bench's start. */
  machine?: Machine;
}

export const resultsDir = join(import.meta.dirname, 'results');

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** How many times a bench repeats its measurement (METROX_BENCH_RUNS, default 3). */
export function benchRuns(env: NodeJS.ProcessEnv = process.env): number {
  const runs = Number(env.METROX_BENCH_RUNS ?? '3');
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`METROX_BENCH_RUNS must be a whole number ≥ 1, got "${env.METROX_BENCH_RUNS ?? ''}"`);
  return runs;
}

/** A metric from its runs: the median is computed here so every bench does it alike. */
export function metric(name: string, unit: string, runs: readonly number[], target?: BenchTarget): BenchMetric {
  return { name, unit, median: median(runs), runs: [...runs], ...(target === undefined ? {} : { target }) };
}

export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Writes bench/results/<area>-<benchmark slug>.json and returns its path. */
export function writeBenchResult(result: Omit<BenchResult, 'finishedAt' | 'machine'>, dir: string = resultsDir): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.area}-${slug(result.benchmark)}.json`);
  const full: BenchResult = { ...result, finishedAt: new Date().toISOString(), machine: describeMachine(join(import.meta.dirname, '..')) };
  writeFileSync(file, `${JSON.stringify(full, null, 2)}\n`);
  return file;
}

/** Pure: checks a parsed results file, with a message that names what is wrong. */
export function parseBenchResult(input: unknown, source: string): BenchResult {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (input === null || typeof input !== 'object') return fail('not a JSON object');
  const r = input as Record<string, unknown>;
  for (const key of ['area', 'benchmark', 'command', 'finishedAt'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '') fail(`"${key}" must be a non-empty string`);
  }
  if (!Array.isArray(r.metrics) || r.metrics.length === 0) return fail('"metrics" must be a non-empty array');
  (r.metrics as unknown[]).forEach((m, i) => {
    const x = m as Record<string, unknown> | null;
    if (x === null || typeof x !== 'object') fail(`metrics[${i}] is not an object`);
    else {
      if (typeof x.name !== 'string' || typeof x.unit !== 'string') fail(`metrics[${i}] needs "name" and "unit" strings`);
      if (typeof x.median !== 'number' && x.median !== null) fail(`metrics[${i}].median must be a number`);
      if (!Array.isArray(x.runs)) fail(`metrics[${i}].runs must be an array of numbers`);
      const t = x.target as { op?: unknown; value?: unknown } | undefined;
      if (t !== undefined && !((t.op === '>=' || t.op === '<=') && typeof t.value === 'number')) fail(`metrics[${i}].target must be { op: ">=" | "<=", value: number }`);
    }
  });
  // JSON has no NaN: a run that produced none is written as null; read it back as NaN.
  const orNaN = (value: number | null) => value ?? Number.NaN;
  const metrics = (r.metrics as (Omit<BenchMetric, 'median' | 'runs'> & { median: number | null; runs: (number | null)[] })[]).map((m) => ({
    ...m,
    median: orNaN(m.median),
    runs: m.runs.map(orNaN),
  }));
  return { ...(r as unknown as BenchResult), metrics };
}
