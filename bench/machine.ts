// What the benchmarks ran on: figures mean little without the machine beside them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1-minute load average when the run started: a busy machine slows every figure. */
  loadAverage: number;
  commit: string;
  date: string;
}

export function describeMachine(cwd: string): Machine {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Not a git checkout (e.g. an unpacked tarball): the figures still stand.
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${osType()} ${release()}`,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    commit,
    date: new Date().toISOString(),
  };
}

/**
 * CPU seconds the whole machine has spent so far, from /proc/stat (Linux): busy
 * (every process, kernel included) and stolen (a virtual machine's cores given to
 * others by the hypervisor, which slows every figure without showing as busy).
 */
export function machineCpuSeconds(): { busy: number; steal: number } {
  const fields = /^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]?.split(/\s+/).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal: USER_HZ ticks, 100 per second on Linux.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: (user + nice + system + irq + softirq) / 100, steal: steal / 100 };
}
