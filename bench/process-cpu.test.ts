import { describe, expect, it } from 'vitest';
import { cpuBetween, cpuGroup, descendants, parseProcStat, programOf, type ProcessInfo } from './process-cpu.ts';

const proc = (pid: number, ppid: number, comm: string, cmdline: string): ProcessInfo => ({ pid, ppid, comm, cmdline, cpuSeconds: 0 });

describe('process CPU accounting', () => {
  it('reads pid, parent and utime + stime from /proc/<pid>/stat, whatever the command name holds', () => {
    const line = '4242 (node (worker) 1) S 4000 4242 4000 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 123 456 789';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4000, comm: 'node (worker) 1', cpuSeconds: 3 });
  });

  it('groups the bench, its fleet, the fleet\'s Postgres backends and the shared servers, and nothing else', () => {
    const children = new Set([11, 12]);
    expect(cpuGroup(proc(10, 1, 'node', 'node bench/purchases.bench.ts'), 10, children, 'bench_ab12_')).toBe('load generator');
    expect(cpuGroup(proc(11, 10, 'node', 'node services/payment/src/main.ts'), 10, children, 'bench_ab12_')).toBe('services');
    expect(cpuGroup(proc(20, 2, 'postgres', 'postgres: postgres bench_ab12_payment 127.0.0.1(5000) idle'), 10, children, 'bench_ab12_')).toBe('postgres');
    expect(cpuGroup(proc(21, 2, 'postgres', 'postgres: postgres svc_ff00_payment 127.0.0.1(5001) idle'), 10, children, 'bench_ab12_')).toBeUndefined();
    expect(cpuGroup(proc(22, 2, 'postgres', 'postgres: walwriter'), 10, children, 'bench_ab12_')).toBe('postgres');
    expect(cpuGroup(proc(30, 1, 'beam.smp', '/usr/lib/erlang/beam.smp'), 10, children, 'bench_ab12_')).toBe('rabbitmq');
    expect(cpuGroup(proc(40, 1, 'vitest', 'node vitest'), 10, children, 'bench_ab12_')).toBeUndefined();
    expect(programOf('node --import x services/notification/src/main.ts')).toBe('notification');
  });

  it('finds a process\'s descendants, and counts a process born in the window whole', () => {
    expect(descendants([proc(2, 1, 'a', ''), proc(3, 2, 'b', ''), proc(4, 9, 'c', '')], 1)).toEqual(new Set([1, 2, 3]));
    const before = new Map([[5, { group: 'services' as const, program: 'payment', cpuSeconds: 1 }]]);
    const after = new Map([
      [5, { group: 'services' as const, program: 'payment', cpuSeconds: 1.5 }],
      [6, { group: 'postgres' as const, program: 'postgres', cpuSeconds: 0.25 }],
    ]);
    expect(cpuBetween(before, after)).toEqual({ groups: { services: 0.5, 'load generator': 0, postgres: 0.25, rabbitmq: 0, jaeger: 0 }, programs: { payment: 0.5, postgres: 0.25 } });
  });
});
