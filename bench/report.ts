// Renders collected bench results into the table in bench/README.md (pure).
import type { Machine } from './machine.ts';
import type { BenchMetric, BenchResult } from './result.ts';

export const beginMarker = '<!-- bench:results:begin -->';
export const endMarker = '<!-- bench:results:end -->';

/** A result as the runner keeps it, with the machine it ran on when recorded. */
export type CollectedResult = BenchResult;

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toPrecision(3).replace(/\.?0+$/, '');
}

export function targetMet(metric: BenchMetric): boolean | undefined {
  const { target } = metric;
  if (target === undefined || Number.isNaN(metric.median)) return undefined;
  return target.op === '>=' ? metric.median >= target.value : metric.median <= target.value;
}

function machineLabel(machine: Machine): string {
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderResults(results: readonly CollectedResult[]): string {
  if (results.length === 0) return '_No results yet: run `npm run bench`._';
  const sorted = [...results].sort((a, b) => a.area.localeCompare(b.area) || a.benchmark.localeCompare(b.benchmark));
  const machines = [...new Set(sorted.map((r) => (r.machine === undefined ? 'not recorded' : machineLabel(r.machine))))];
  const several = machines.length > 1;
  const lines: string[] = [];
  lines.push(several ? 'Measured on several machines:' : `Measured on: ${machines[0] ?? 'not recorded'}.`);
  if (several) machines.forEach((m, i) => lines.push(`- M${i + 1}: ${m}`));
  lines.push('');
  lines.push(`| Area | Benchmark | Metric | Median | Runs | Target | |${several ? ' Machine |' : ''} Measured |`);
  lines.push(`|---|---|---|---:|---|---|---|${several ? '---|' : ''}---|`);
  for (const result of sorted) {
    const machine = result.machine === undefined ? 'not recorded' : machineLabel(result.machine);
    for (const m of result.metrics) {
      const met = targetMet(m);
      const row = [
        result.area,
        result.benchmark,
        m.name,
        `${formatNumber(m.median)} ${m.unit}`,
        m.runs.map(formatNumber).join(', '),
        m.target === undefined ? '' : `${m.target.op === '>=' ? '≥' : '≤'} ${formatNumber(m.target.value)} ${m.unit}`,
        met === undefined ? '' : met ? 'met' : '**missed**',
        ...(several ? [`M${machines.indexOf(machine) + 1}`] : []),
        result.finishedAt.slice(0, 16).replace('T', ' '),
      ];
      lines.push(`| ${row.map(cell).join(' | ')} |`);
    }
  }
  lines.push('');
  lines.push('Reproduce and read:');
  for (const result of sorted) {
    const loaded = result.machine === undefined ? '' : ` Load average at start: ${result.machine.loadAverage}; commit ${result.machine.commit}.`;
    lines.push(`- **${result.area} / ${result.benchmark}**: \`${result.command}\`.${result.notes === undefined ? '' : ` ${result.notes}`}${loaded}`);
  }
  return lines.join('\n');
}

/** Replaces what lies between the markers (adding them at the end if absent). */
export function replaceResultsSection(readme: string, rendered: string): string {
  const block = `${beginMarker}\n${rendered}\n${endMarker}`;
  const begin = readme.indexOf(beginMarker);
  const end = readme.indexOf(endMarker);
  if (begin === -1 || end === -1 || end < begin) return `${readme.trimEnd()}\n\n${block}\n`;
  return `${readme.slice(0, begin)}${block}${readme.slice(end + endMarker.length)}`;
}
