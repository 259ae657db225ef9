// Open-model arrival schedule: purchase i is due at i / rate seconds after the start,
// whatever happened to earlier ones. Latency is measured from that due time, so a
// stalled system cannot hide its queueing delay (no coordinated omission).

/** How many purchases a run of `durationMs` at `ratePerSecond` sends in total. */
export function totalScheduled(durationMs: number, ratePerSecond: number): number {
  return Math.max(0, Math.ceil((durationMs * ratePerSecond) / 1000 - 1e-9));
}

/** Milliseconds after the start at which purchase `index` (0-based) is due. */
export function dueAt(index: number, ratePerSecond: number): number {
  return (index * 1000) / ratePerSecond;
}

/** How many purchases are due by `elapsedMs`, never more than the run's total. */
export function dueBy(elapsedMs: number, ratePerSecond: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * ratePerSecond) / 1000 + 1e-9) + 1);
}

/** Milliseconds from `elapsedMs` until purchase `index` is due (0 when already due). */
export function waitUntilDue(index: number, elapsedMs: number, ratePerSecond: number): number {
  return Math.max(0, dueAt(index, ratePerSecond) - elapsedMs);
}
