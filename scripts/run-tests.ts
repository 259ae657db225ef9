// Runs every vitest project once and closes with the line CI reads:
// "N passed, N failed[, N skipped]", counted from vitest's JSON report.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const root = join(import.meta.dirname, '..');
const report = join(root, '.vitest-results.json');
rmSync(report, { force: true });

const vitest = spawnSync(
  'vitest',
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', shell: false },
);

let summary: JsonReport | undefined;
try {
  summary = JSON.parse(readFileSync(report, 'utf8')) as JsonReport;
} catch {
  console.error('vitest wrote no JSON report: the run did not complete');
}

const passed = summary?.numPassedTests ?? 0;
// A failing hook or an unhandled error fails the run without failing a test:
// count it, so the closing line never says "0 failed" for a red run.
const failedTests = summary?.numFailedTests ?? 0;
const failed = vitest.status !== 0 && failedTests === 0 ? 1 : failedTests;
const skipped = (summary?.numPendingTests ?? 0) + (summary?.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(vitest.status ?? 1);
