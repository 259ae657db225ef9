// `kubectl port-forward` as a test uses it: a local port on 127.0.0.1 that reaches a
// Service in the cluster. kubectl forwards to one Pod of the Service and exits when
// that Pod goes away, so the forward restarts itself on the same local port; a
// request in flight then fails and the caller retries (with its idempotency key).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort, spawnTethered, waitUntil, type TetheredProcess } from './processes.ts';

export interface PortForward {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** How many times kubectl had to be started again (its Pod went away). */
  readonly restarts: number;
  close(): Promise<void>;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

export async function portForward(
  kubectlPath: string,
  kubeconfig: string,
  namespace: string,
  target: string,
  remotePort: number,
): Promise<PortForward> {
  const port = await freePort();
  const logDir = mkdtempSync(join(tmpdir(), 'metrox-port-forward-'));
  let closed = false;
  let restarts = 0;
  let current: TetheredProcess | undefined;

  const start = () => {
    current = spawnTethered(
      `port-forward-${target}`,
      kubectlPath,
      ['--kubeconfig', kubeconfig, 'port-forward', '-n', namespace, '--address', '127.0.0.1', target, `${String(port)}:${String(remotePort)}`],
      join(logDir, `${target.replace('/', '-')}.log`),
    );
    void current.exited.then(() => {
      if (closed) return;
      restarts++;
      // The Pod behind the Service went away: kubectl picks a live one on the next start.
      setTimeout(start, 500);
    });
  };
  start();
  await waitUntil(() => listening(port), 30_000, () => `kubectl port-forward ${target} never listened on ${String(port)}: ${current?.logTail() ?? ''}`);
  return {
    port,
    url: `http://127.0.0.1:${String(port)}`,
    get restarts() {
      return restarts;
    },
    async close() {
      closed = true;
      await current?.stop();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}
