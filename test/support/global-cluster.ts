// Vitest global setup for end-to-end suites: the whole local cluster on KWOK nodes,
// which scale and roll out without running containers.
import { setupLocalCluster } from './cluster-setup.ts';

export function setup(): () => void {
  return setupLocalCluster('kwok');
}
