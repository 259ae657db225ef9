// Runs every vitest project and closes with the line CI reads:
// "N passed, N failed[, N skipped]", counted from vitest's JSON reports.
//
// Two vitest runs, one after the other: unit, integration and e2e (a local cluster
// on KWOK nodes), then node (a local cluster with a real node). Both clusters use
// the same ports and the second needs the machine's CPU to itself, so they never
// overlap. Arguments (e.g. a file filter) go to both runs.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

interface RunResult {
  status: number | null;
  report: JsonReport | undefined;
}

const root = join(import.meta.dirname, '..');
const runs = [['unit', 'integration', 'e2e'], ['node']];

function runVitest(projects: string[], index: number): RunResult {
  const report = join(root, `.vitest-results-${String(index)}.json`);
  rmSync(report, { force: true });
  const vitest = spawnSync(
    'vitest',
    ['run', ...projects.flatMap((p) => ['--project', p]), '--passWithNoTests', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit', shell: false },
  );
  try {
    return { status: vitest.status, report: JSON.parse(readFileSync(report, 'utf8')) as JsonReport };
  } catch {
    console.error(`vitest (${projects.join(', ')}) wrote no JSON report: the run did not complete`);
    return { status: vitest.status ?? 1, report: undefined };
  }
}

const results = runs.map((projects, index) => runVitest(projects, index));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const { status, report } of results) {
  passed += report?.numPassedTests ?? 0;
  // A failing hook or an unhandled error fails the run without failing a test:
  // count it, so the closing line never says "0 failed" for a red run.
  const failedTests = report?.numFailedTests ?? 0;
  failed += status !== 0 && failedTests === 0 ? 1 : failedTests;
  skipped += (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
}
console.log(`${String(passed)} passed, ${String(failed)} failed${skipped > 0 ? `, ${String(skipped)} skipped` : ''}`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
