// The cipher helper as a real process beside a test fleet's Payment: its own key
// directory and free ports, tethered to the test process like the services. It can be
// stopped and started again (same port, same keys) to play a helper outage.
import { ensureDevelopmentKeys } from '@metrox/cipher';
import { cipherAddress, cipherEntryArguments, cipherEnvironment, waitUntilReady, type CipherSettings } from '../../../scripts/local/fleet.ts';
import { freePort, spawnTethered, type TetheredProcess } from '../../support/processes.ts';

export interface CipherProcess {
  readonly settings: CipherSettings;
  /** host:port for CIPHER_ADDR. */
  readonly address: string;
  readonly metricsUrl: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

/** Starts a helper on free ports with a development key in `keysDir` (created unless present) and waits for /readyz. */
export async function startCipherProcess(options: { keysDir: string; logFile: string; env?: NodeJS.ProcessEnv }): Promise<CipherProcess> {
  await ensureDevelopmentKeys(options.keysDir);
  const settings: CipherSettings = { port: await freePort(), opsPort: await freePort(), keysDir: options.keysDir };
  let child: TetheredProcess | undefined;
  const helper: CipherProcess = {
    settings,
    address: cipherAddress(settings),
    metricsUrl: `http://127.0.0.1:${settings.opsPort}/metrics`,
    async start() {
      if (child) return;
      const started = spawnTethered('cipher', process.execPath, cipherEntryArguments(), options.logFile, cipherEnvironment(settings, { ...process.env, ...options.env }));
      child = started;
      let exited = false;
      void started.exited.then(() => (exited = true));
      await waitUntilReady(settings.opsPort, 60_000, () => `cipher helper did not become ready${exited ? ' (it exited)' : ''}:\n${started.logTail(30)}`);
    },
    async stop() {
      await child?.stop();
      child = undefined;
    },
    logTail: (lines) => child?.logTail(lines) ?? '(not running)',
  };
  await helper.start();
  return helper;
}
