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
  'exec 4<&0',
  '"$@" </dev/null 3>&- 4<&- & c=$!',
  // The command's own pid on fd 3, so a test can signal it rather than the tether.
  'echo "$c" >&3; exec 3>&-',
  // Reader: waits for EOF on the tether's stdin, then TERM, then KILL after 10 s.
  '{ read _ <&4; kill -TERM $c 2>/dev/null; i=0; while kill -0 $c 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL $c 2>/dev/null; } & r=$!',
  // The command ended by itself (or was killed): the reader has nothing left to stop.
  'wait $c; s=$?; kill $r 2>/dev/null; exit $s',
].join('\n');

export interface TetheredProcess {
  readonly name: string;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  /** The last lines of the process's log, for error messages. */
  logTail(lines?: number): string;
  /** Sends `signal` to the command itself (not its tether), as a crash or a freeze would: SIGKILL, SIGSTOP, SIGCONT. */
  signal(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/** `cwd`: where the command runs (default: this process's), for tools that write into their working directory. */
export function spawnTethered(name: string, command: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv, cwd?: string): TetheredProcess {
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn('sh', ['-c', tether, name, command, ...args], {
    stdio: ['pipe', out, out, 'pipe'],
    env: env ?? process.env,
    ...(cwd === undefined ? {} : { cwd }),
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  const pid = new Promise<number>((resolve, reject) => {
    let text = '';
    const stream = child.stdio[3] as NodeJS.ReadableStream | null;
    if (!stream) {
      reject(new Error(`${name}: no pid pipe`));
      return;
    }
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => {
      const value = Number(text.trim());
      if (Number.isInteger(value) && value > 0) resolve(value);
      else reject(new Error(`${name}: the tether reported no pid`));
    });
  });
  pid.catch(() => undefined); // only signal() needs it, and reports its failure
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
    async signal(signal) {
      const target = await pid;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} has already exited`);
      process.kill(target, signal);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.stdin?.end();
      await exited;
    },
  };
}

/** Listens on `port` (0: any) on loopback and closes again; resolves with the port, or undefined when it is taken. */
function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(undefined);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(address !== null && typeof address === 'object' ? address.port : undefined);
      });
    });
  });
}

/** Where the kernel's ephemeral ports start (Linux): outgoing connections get their local port from there up. */
export function ephemeralPortsStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0] ?? 32768);
  } catch {
    return 32768;
  }
}

/** Above the fixed ports of the local infrastructure (21xxx, scripts/infra). */
const firstTestPort = 22000;
const handedOut = new Set<number>();

/**
 * A TCP port on loopback that is free now, for a process started later. It lies below
 * the ephemeral range: a port from listen(0) comes from that range, where any outgoing
 * connection (to Postgres, the broker, another service) can take the same number before
 * the process binds it, which then fails with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  const span = ephemeralPortsStart() - firstTestPort;
  for (let attempt = 0; span > 1000 && attempt < 100; attempt++) {
    const port = firstTestPort + Math.floor(Math.random() * span);
    if (handedOut.has(port)) continue;
    // Reserved before the check, so concurrent callers never get the same port.
    handedOut.add(port);
    if ((await tryListen(port)) !== undefined) return port;
    handedOut.delete(port);
  }
  // No room below the ephemeral range on this machine: let the OS pick.
  const port = await tryListen(0);
  if (port === undefined) throw new Error('could not allocate a port');
  return port;
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
