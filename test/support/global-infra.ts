// Vitest global setup for suites that need real infrastructure: starts what is
// not running (idempotent and fast when it is) and stops at the end only what it
// started, so `npm test` leaves nothing behind and never stops a developer's servers.
// It also builds the control-plane and Jaeger binaries here, outside any hook
// timeout: a cold build takes minutes, a warm one finds the cache at once.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { controlPlaneBinaries } from './control-plane.ts';
import { repoRoot } from './endpoints.ts';

const script = (name: string) => join(repoRoot, 'scripts', 'infra', name);

export function setup(): () => void {
  controlPlaneBinaries({ cluster: true });
  execFileSync('bash', [join(repoRoot, 'scripts', 'observability', 'build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const started = execFileSync('bash', [script('up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return () => {
    if (started.length > 0 && process.env.METROX_KEEP_INFRA !== '1') {
      execFileSync('bash', [script('down.sh'), ...started], { stdio: 'inherit' });
    }
  };
}
