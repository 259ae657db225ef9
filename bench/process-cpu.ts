// CPU time of the processes a purchase runs through, read from /proc (Linux): what a
// purchase costs across the whole system, less sensitive than throughput to what else runs
// on the machine. Each process's utime + stime, summed over the processes picked.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
  /** utime + stime, seconds. */
  cpuSeconds: number;
}

const ticksPerSecond = 100; // USER_HZ on Linux

/** Pure: pid, parent, command name and CPU seconds from the text of /proc/<pid>/stat. */
export function parseProcStat(text: string): Omit<ProcessInfo, 'cmdline'> {
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const rest = text.slice(close + 2).split(' ');
  // Fields after the name, 0-based: state 0, ppid 1, …, utime 11, stime 12.
  return {
    pid: Number(text.slice(0, open).trim()),
    ppid: Number(rest[1]),
    comm: text.slice(open + 1, close),
    cpuSeconds: (Number(rest[11]) + Number(rest[12])) / ticksPerSecond,
  };
}

/** Every process on the machine now (those that exit while being read are skipped). */
export function listProcesses(): ProcessInfo[] {
  const result: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      result.push({ ...stat, cmdline });
    } catch {
      // Gone meanwhile.
    }
  }
  return result;
}

/** Pure: the pids of `root` and all its descendants. */
export function descendants(processes: readonly ProcessInfo[], root: number): Set<number> {
  const found = new Set<number>([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of processes) {
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.add(p.pid);
        grew = true;
      }
    }
  }
  return found;
}

/** The groups a purchase's CPU is counted in. */
export type CpuGroup = 'services' | 'load generator' | 'postgres' | 'rabbitmq' | 'jaeger';

/** Pure: which of the fleet's programs a child process runs (services/<name>/…), for the breakdown. */
export function programOf(cmdline: string): string {
  return /services\/([a-z-]+)\//.exec(cmdline)?.[1] ?? 'other';
}

/**
 * Pure: which group a process belongs to, or undefined when it is none of the bench's.
 * Services: this bench's children (the fleet and its cipher helper). Postgres: the fleet's own
 * backends (their title names the fleet's databases) and the server's background processes.
 * RabbitMQ and Jaeger: the whole server process (shared with whatever else uses them).
 */
export function cpuGroup(p: ProcessInfo, self: number, fleetChildren: ReadonlySet<number>, databasePrefix: string): CpuGroup | undefined {
  if (p.pid === self) return 'load generator';
  if (fleetChildren.has(p.pid)) return 'services';
  if (p.cmdline.startsWith('postgres: ')) {
    if (p.cmdline.includes(` ${databasePrefix}`)) return 'postgres';
    // Background processes (WAL writer, checkpointer, …) have no database in their title.
    return /^postgres: (checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|io worker)/.test(p.cmdline) ? 'postgres' : undefined;
  }
  if (p.comm === 'beam.smp') return 'rabbitmq';
  if (p.comm.startsWith('jaeger')) return 'jaeger';
  return undefined;
}

export interface CpuSample {
  group: CpuGroup;
  /** For services: which one (transaction, payment, cipher, …). */
  program: string;
  cpuSeconds: number;
}

/** CPU seconds per process at this moment, with its group (so a window's difference needs no process to live throughout). */
export function sampleCpu(databasePrefix: string): Map<number, CpuSample> {
  const processes = listProcesses();
  const children = descendants(processes, process.pid);
  children.delete(process.pid);
  const sample = new Map<number, CpuSample>();
  for (const p of processes) {
    const group = cpuGroup(p, process.pid, children, databasePrefix);
    if (group) sample.set(p.pid, { group, program: group === 'services' ? programOf(p.cmdline) : group, cpuSeconds: p.cpuSeconds });
  }
  return sample;
}

/** Pure: CPU seconds each group, and each program, spent between two samples; a process new in `after` counts whole. */
export function cpuBetween(before: ReadonlyMap<number, CpuSample>, after: ReadonlyMap<number, CpuSample>): { groups: Record<CpuGroup, number>; programs: Record<string, number> } {
  const groups: Record<CpuGroup, number> = { services: 0, 'load generator': 0, postgres: 0, rabbitmq: 0, jaeger: 0 };
  const programs: Record<string, number> = {};
  for (const [pid, { group, program, cpuSeconds }] of after) {
    const spent = Math.max(0, cpuSeconds - (before.get(pid)?.cpuSeconds ?? 0));
    groups[group] += spent;
    programs[program] = (programs[program] ?? 0) + spent;
  }
  return { groups, programs };
}
