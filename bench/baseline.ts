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

export async function checkoutBaseline(ref: string): Promise<Baseline> {
  const commit = git(['rev-parse', '--short', `${ref}^{commit}`]);
  // Imported modules of the baseline read the state folder when loaded: point them at this one.
  process.env.METROX_STATE ??= stateDir;
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
    const fleet = (await import(pathToFileURL(join(dir, 'bench', 'fleet.ts')).href)) as { startBenchFleet: (options: BenchFleetOptions) => Promise<BenchFleet> };
    return { ref, commit, startBenchFleet: (options) => fleet.startBenchFleet(options), remove };
  } catch (error) {
    remove();
    throw error;
  }
}
