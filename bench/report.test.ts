import { describe, expect, it } from 'vitest';
import type { Machine } from './machine.ts';
import { formatNumber, renderResults, replaceResultsSection, targetMet, type CollectedResult } from './report.ts';
import { median, metric, parseBenchResult } from './result.ts';

const machine: Machine = {
  cpuModel: 'Test CPU @ 2.0GHz',
  cores: 2,
  memoryGiB: 23.4,
  node: 'v24.21.0',
  os: 'Linux 6.1',
  loadAverage: 1.5,
  commit: 'abc1234',
  date: '2025-01-01T00:00:00.000Z',
};

const purchases: CollectedResult = {
  area: 'purchases',
  benchmark: 'end to end at saturation',
  metrics: [
    metric('purchases/s, telemetry on', 'purchases/s', [480, 512, 530], { op: '>=', value: 500 }),
    metric('purchase → notification p99 at 250/s', 'ms', [1200, 1400, 900], { op: '<=', value: 1000 }),
    metric('telemetry on / off', 'ratio', [0.9, 0.88, 0.91]),
  ],
  notes: 'Everything on one machine.',
  command: 'npm run bench -- purchases',
  finishedAt: '2025-01-01T12:34:56.000Z',
  machine,
};

describe('bench report', () => {
  it('medians are the middle run, or the mean of the two middle runs', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('a target is met or missed on the median', () => {
    expect(targetMet(metric('x', 'ms', [900, 1100, 950], { op: '<=', value: 1000 }))).toBe(true);
    expect(targetMet(metric('x', '/s', [400, 600, 450], { op: '>=', value: 500 }))).toBe(false);
    expect(targetMet(metric('x', '/s', [400]))).toBeUndefined();
  });

  it('renders one row per metric with median, every run, target and verdict, and the machine once', () => {
    const table = renderResults([purchases]);
    expect(table).toContain('Measured on: Test CPU @ 2.0GHz, 2 cores, 23.4 GiB, Node v24.21.0, Linux 6.1.');
    expect(table).toContain('| purchases | end to end at saturation | purchases/s, telemetry on | 512 purchases/s | 480, 512, 530 | ≥ 500 purchases/s | met | 2025-01-01 12:34 |');
    expect(table).toContain('| purchase → notification p99 at 250/s | 1,200 ms | 1,200, 1,400, 900 | ≤ 1,000 ms | **missed** |');
    expect(table).toContain('| telemetry on / off | 0.9 ratio | 0.9, 0.88, 0.91 |  |  |');
    expect(table).toContain('- **purchases / end to end at saturation**: `npm run bench -- purchases`. Everything on one machine. Load average at start: 1.5; commit abc1234.');
  });

  it('names each machine when results come from several', () => {
    const other = { ...purchases, area: 'messaging', machine: { ...machine, cores: 8 } };
    const table = renderResults([purchases, other]);
    expect(table).toContain('- M1: Test CPU @ 2.0GHz, 8 cores');
    expect(table).toMatch(/\| purchases \|.*\| M2 \|/);
  });

  it('replaces only the results section of the README', () => {
    const readme = 'intro\n<!-- bench:results:begin -->\nold\n<!-- bench:results:end -->\noutro\n';
    expect(replaceResultsSection(readme, 'new')).toBe('intro\n<!-- bench:results:begin -->\nnew\n<!-- bench:results:end -->\noutro\n');
    expect(replaceResultsSection('intro\n', 'new')).toBe('intro\n\n<!-- bench:results:begin -->\nnew\n<!-- bench:results:end -->\n');
  });

  it('numbers read well at every size', () => {
    expect([0.8766, 12.345, 50, 512.4, 12345, Number.NaN].map(formatNumber)).toEqual(['0.877', '12.3', '50', '512', '12,345', '–']);
  });

  it('a malformed results file is refused with what is wrong', () => {
    expect(() => parseBenchResult({ area: 'x' }, 'bench/results/x.json')).toThrow('bench/results/x.json: "benchmark" must be a non-empty string');
    const { machine: _machine, ...plain } = purchases;
    expect(() => parseBenchResult({ ...plain, metrics: [{ name: 'a', unit: 'ms', median: 1, runs: [1], target: { op: '>', value: 1 } }] }, 'f')).toThrow('target must be');
    expect(parseBenchResult(JSON.parse(JSON.stringify({ ...plain, metrics: [metric('a', 'ms', [])] })) as unknown, 'f').metrics[0]?.median).toBeNaN();
  });
});
