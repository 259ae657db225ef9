// Schemathesis, the schema-based API fuzzer, run against a live service's own
// /openapi.json. scripts/fuzz/schemathesis.sh installs it (pinned, cached); a run is
// a tethered child process, so it never outlives the test, and it runs in a temporary
// folder (its report, and whatever it keeps in its working directory) removed afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/endpoints.ts';
import { spawnTethered } from '../../support/processes.ts';

/** Installs Schemathesis if it is not cached yet (fails loudly when it cannot) and returns the command that runs it. */
export function installSchemathesis(): string {
  const out = execFileSync('bash', [join(repoRoot, 'scripts', 'fuzz', 'schemathesis.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const runner = out.trim().split('\n').pop() ?? '';
  if (runner === '') throw new Error('scripts/fuzz/schemathesis.sh printed no command');
  return runner;
}

/** The part of Schemathesis's JSON run report a test asserts on. */
export interface FuzzReport {
  exit_code: number;
  complete: boolean;
  operations: { total: number; selected: number; tested: number; errored: number; skipped: number } | null;
  test_cases: { generated: number; with_failures: number; unique_failures: number; errored: number };
  failures: { title: string; count: number; operations: string[] }[];
  errors: { title: string; count: number }[];
}

export interface FuzzRun {
  report: FuzzReport;
  /** What the CLI printed: every failure with its request, response and a curl line that reproduces it. */
  output: string;
}

/**
 * Runs every check Schemathesis has against the API described at `schemaUrl`, set up
 * by `configFile` (a schemathesis.toml: seed, examples per operation, check settings).
 */
export async function fuzz(runner: string, schemaUrl: string, configFile: string): Promise<FuzzRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metrox-fuzz-'));
  try {
    const reportPath = join(dir, 'report.json');
    const args = [
      '--config-file',
      configFile,
      '--no-color',
      'run',
      schemaUrl,
      '--checks',
      'all',
      '--report',
      'json',
      '--report-dir',
      dir,
      '--report-json-path',
      reportPath,
    ];
    // Run inside the temporary folder: Schemathesis and Hypothesis keep state in their working directory.
    const child = spawnTethered('schemathesis', runner, args, join(dir, 'output.log'), process.env, dir);
    await child.exited;
    const output = readFileSync(join(dir, 'output.log'), 'utf8');
    let report: FuzzReport;
    try {
      report = JSON.parse(readFileSync(reportPath, 'utf8')) as FuzzReport;
    } catch (error) {
      throw new Error(`Schemathesis wrote no report (${String(error)}); it printed:\n${output}`, { cause: error });
    }
    return { report, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The failures section of the CLI's output, for an assertion message a person can act on. */
export function failureDetails(output: string, limit = 30_000): string {
  const start = output.search(/^_+ FAILURES _+$|^=+ FAILURES =+$|FAILURES/m);
  const text = start === -1 ? output : output.slice(start);
  return text.length > limit ? `${text.slice(0, limit)}\n… (${text.length - limit} more characters)` : text;
}
