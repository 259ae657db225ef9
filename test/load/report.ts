// Human-readable progress and final report of a load run (pure formatting).
import type { LoadProgress, LoadResult } from './run.ts';
import type { LatencySummary } from './stats.ts';

const ms = (value: number) => (Number.isNaN(value) ? '–' : value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`);
const rate = (value: number) => `${value.toFixed(1)}/s`;

export function formatProgress(p: LoadProgress): string {
  const parts = [
    `${(p.elapsedMs / 1000).toFixed(0).padStart(4)}s ${p.phase}`,
    `sent ${p.sent}`,
    `created ${p.created}`,
    `failed ${p.failed}`,
    p.dropped > 0 ? `dropped ${p.dropped}` : undefined,
    `in flight ${p.inFlight}`,
    rate(p.recentRate),
    `rest p99 ${ms(p.recentRestP99)}`,
    `notified ${p.notified}`,
    `awaiting ${p.awaitingNotification}`,
  ];
  return parts.filter((part) => part !== undefined).join(' | ');
}

function latencyLine(label: string, s: LatencySummary): string {
  return `${label.padEnd(26)} n=${String(s.count).padEnd(7)} p50 ${ms(s.p50).padStart(8)}  p90 ${ms(s.p90).padStart(8)}  p99 ${ms(s.p99).padStart(8)}  max ${ms(s.max).padStart(8)}`;
}

export function formatReport(result: LoadResult): string {
  const mode = result.mode.kind === 'rate' ? `${result.mode.ratePerSecond} purchases/s (open model)` : `${result.mode.workers} concurrent riders (closed model)`;
  const { purchases } = result;
  const lines = [
    `MetroX load: ${mode} for ${(result.plannedDurationMs / 1000).toFixed(1)} s`,
    `purchases                  sent ${purchases.sent}, created ${purchases.created}, failed ${purchases.failed}${purchases.dropped > 0 ? `, dropped ${purchases.dropped} (client in-flight cap)` : ''}`,
    `responses                  ${Object.entries(purchases.byStatus).map(([status, count]) => `${status}×${count}`).join(', ') || 'none'}`,
    `throughput                 ${rate(result.throughput.createdPerSecond)} created, ${rate(result.throughput.notifiedPerSecond)} notified end to end`,
    latencyLine('POST /v1/transactions', result.rest),
  ];
  if (purchases.failed > 0) lines.push(latencyLine('  of which accepted', result.restCreated));
  if (purchases.timedOut > 0) lines.push(`time-outs                  ${purchases.timedOut} purchases unanswered within the client's timeout`);
  if (result.notification !== undefined) {
    const n = result.notification;
    lines.push(latencyLine('purchase → notification', n.latency));
    lines.push(`notifications              ${n.notified} of ${n.tracked} seen${n.missing > 0 ? `, ${n.missing} MISSING after the wait` : ''}${n.pollErrors > 0 ? `, ${n.pollErrors} poll errors` : ''}`);
    const outcomes = Object.entries(result.outcomes).map(([status, count]) => `${status}×${count}`).join(', ');
    lines.push(`outcomes                   ${outcomes || 'none'}${Number.isNaN(result.declineRatio) ? '' : ` (decline ratio ${(result.declineRatio * 100).toFixed(1)}%)`}`);
  }
  for (const error of purchases.errors) lines.push(`error                      ${error.count}× ${error.message}`);
  return lines.join('\n');
}
