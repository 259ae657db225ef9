// A baseline to measure against in the same run: the given git ref checked out in a
// temporary worktree, with this checkout's node_modules copied in (workspace links are
// relative, so they resolve inside the copy), and that tree's own bench fleet. The state
// folder (infrastructure endpoints, logs) is this checkout's, so both fleets use the same
// Postgres, broker and trace backend.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, stateDir } from '../test/support/endpoints.ts';
import type { BenchFleet, BenchFleetOptions } from './fleet.ts';

export interface Baseline {
  ref: string;
  /** The ref's abbreviated commit. */
  commit: string;
  startBenchFleet(options: BenchFleetOptions): Promise<BenchFleet>;
  /** Removes the worktree. */
  remove(): void;
}

const git = (args: string[], cwd = repoRoot): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A commit's tree in a temporary worktree with this checkout's node_modules copied in. */
export interface BaselineTree {
  dir: string;
  /** The full commit. */
  commit: string;
  /** Removes the worktree. */
  remove: () => void;
}

/** The full commit `ref` names, or a clear error. */
export function gitCommit(ref: string): string {
  try {
    return git(['rev-parse', '--verify', `${ref}^{commit}`]);
  } catch {
    throw new Error(`METROX_BENCH_BASELINE_REF: "${ref}" names no commit in this repository`);
  }
}

export function checkoutTree(ref: string): BaselineTree {
  const commit = gitCommit(ref);
  const dir = mkdtempSync(join(tmpdir(), 'metrox-baseline-'));
  const remove = () => {
    try {
      git(['worktree', 'remove', '--force', dir]);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      git(['worktree', 'prune']);
    }
  };
  try {
    git(['worktree', 'add', '--detach', dir, commit]);
    execFileSync('cp', ['-a', join(repoRoot, 'node_modules'), join(dir, 'node_modules')]);
    return { dir, commit, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

export async function checkoutBaseline(ref: string): Promise<Baseline> {
  // Imported modules of the baseline read the state folder when loaded: point them at this one.
  process.env.METROX_STATE ??= stateDir;
  const tree = checkoutTree(ref);
  try {
    const fleet = (await import(pathToFileURL(join(tree.dir, 'bench', 'fleet.ts')).href)) as { startBenchFleet: (options: BenchFleetOptions) => Promise<BenchFleet> };
    return { ref, commit: tree.commit.slice(0, 7), startBenchFleet: (options) => fleet.startBenchFleet(options), remove: tree.remove };
  } catch (error) {
    tree.remove();
    throw error;
  }
}
