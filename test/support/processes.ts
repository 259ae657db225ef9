// Child processes for tests that can never outlive the test run.
//
// Each command runs under a small `sh` tether that watches its stdin pipe: when
// this Node process exits for any reason (a failed test, a crash, SIGKILL of the
// worker), the pipe closes and the tether terminates the command. Stopping on
// purpose is the same path: close stdin, wait for exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const tether = [
  'exec 3<&0',
  '"$@" </dev/null & c=$!',
  // Reader: waits for EOF on the tether's stdin, then TERM, then KILL after 10 s.
  '{ read _ <&3; kill -TERM $c 2>/dev/null; i=0; while kill -0 $c 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL $c 2>/dev/null; } &',
  'wait $c',
].join('\n');

export interface TetheredProcess {
  readonly name: string;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  /** The last lines of the process's log, for error messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export function spawnTethered(name: string, command: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): TetheredProcess {
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn('sh', ['-c', tether, name, command, ...args], {
    stdio: ['pipe', out, out],
    env: env ?? process.env,
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  return {
    name,
    logFile,
    exited,
    logTail(lines = 20) {
      try {
        return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(no log)';
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.stdin?.end();
      await exited;
    },
  };
}

/** A free TCP port on loopback (the OS picks it; a tiny race with other binders is accepted). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not allocate a port'));
      });
    });
  });
}

/** Polls `check` until it returns true, or throws `describe()` after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
