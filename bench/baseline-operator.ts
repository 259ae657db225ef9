// The operator bundle of another commit, for a side-by-side benchmark: the commit's
// tree is exported (git archive) into a temporary folder, given a copy of this
// checkout's node_modules (the workspace links are relative, so they point into the
// copy), bundled there with its own operator/bundle.ts, and the folder removed. The
// bundle needs nothing beside it at run time.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Builds (or finds built) the bundle of `ref`; returns its path and the full commit. */
export function baselineOperatorBundle(ref: string): { main: string; commit: string } {
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    throw new Error(`METROX_BENCH_BASELINE_REF: "${ref}" names no commit in this repository`);
  }
  const cacheDir = join(root, '.metrox', 'bench', 'baseline-operator', commit);
  const main = join(cacheDir, 'operator.mjs');
  if (existsSync(main)) return { main, commit };
  const tree = mkdtempSync(join(tmpdir(), 'metrox-baseline-'));
  try {
    execFileSync('bash', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'archive', commit, tree], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('cp', ['-a', join(root, 'node_modules'), join(tree, 'node_modules')]);
    execFileSync(process.execPath, [join(tree, 'operator', 'bundle.ts')], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
    mkdirSync(cacheDir, { recursive: true });
    for (const file of ['operator.mjs', 'operator.mjs.map']) {
      const built = join(tree, 'operator', 'dist', file);
      if (existsSync(built)) copyFileSync(built, join(cacheDir, file));
    }
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
  if (!existsSync(main)) throw new Error(`bundling ${commit} wrote no operator/dist/operator.mjs`);
  return { main, commit };
}
