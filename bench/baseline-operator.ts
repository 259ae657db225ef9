// The operator bundle of another commit, for a side-by-side benchmark: the commit's
// tree (a temporary worktree, baseline.ts) bundled with its own operator/bundle.ts,
// the bundle kept in .metrox/ by commit and the worktree removed. The bundle needs
// nothing beside it at run time.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkoutTree, gitCommit } from './baseline.ts';

const root = join(import.meta.dirname, '..');

/** Builds (or finds built) the bundle of `ref`; returns its path and the full commit. */
export function baselineOperatorBundle(ref: string): { main: string; commit: string } {
  const commit = gitCommit(ref);
  const cacheDir = join(root, '.metrox', 'bench', 'baseline-operator', commit);
  const main = join(cacheDir, 'operator.mjs');
  if (existsSync(main)) return { main, commit };
  const { dir: tree, remove } = checkoutTree(commit);
  try {
    execFileSync(process.execPath, [join(tree, 'operator', 'bundle.ts')], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
    mkdirSync(cacheDir, { recursive: true });
    for (const file of ['operator.mjs', 'operator.mjs.map']) {
      const built = join(tree, 'operator', 'dist', file);
      if (existsSync(built)) copyFileSync(built, join(cacheDir, file));
    }
  } finally {
    remove();
  }
  if (!existsSync(main)) throw new Error(`bundling ${commit} wrote no operator/dist/operator.mjs`);
  return { main, commit };
}
