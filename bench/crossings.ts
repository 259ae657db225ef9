// Network crossings of one purchase, counted from its trace. A crossing is a span whose
// parent ran in another process: a request served (server) or a message handled (consumer)
// because another process sent it (client, producer, or — across the outbox and broker — the
// span that wrote the event). Database statements are counted apart: each pg span is one
// round trip to Postgres. The critical path is the chain of spans from the rider's request
// to the span that sends the notification, plus what those spans wait for: their own
// in-process work and the synchronous calls they make (server spans in another process, e.g.
// a gRPC look-up or the cipher helper), recursively. Events handled elsewhere off that chain
// (Operations' projections, NotificationSent) happen beside it.
import type { ResolvedSpan } from '../test/observability/jaeger-query.ts';

export interface Crossings {
  /** Cross-process edges on the critical path: the chain from the request to the send, and the synchronous calls it waits for. */
  criticalPath: number;
  /** Database statements on the critical path. */
  criticalPathStatements: number;
  /** Cross-process edges in the whole trace. */
  total: number;
  /** Database statements in the whole trace. */
  totalStatements: number;
  /** The critical path's crossings, as "from → to: span name". */
  path: string[];
  /** Whether the chain reaches the request that started the purchase (a server span), i.e. no span of it is missing yet. */
  complete: boolean;
}

const isStatement = (span: ResolvedSpan): boolean => span.name.startsWith('pg.query') || span.name.startsWith('pg.connect');

/** Pure: the crossings of a purchase's trace; `sendSpanName` names the span that sends the notification. */
export function countCrossings(spans: readonly ResolvedSpan[], sendSpanName = 'notification send'): Crossings {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const crosses = (span: ResolvedSpan): boolean => {
    const parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
    return parent !== undefined && parent.service !== span.service;
  };
  const send = spans.find((span) => span.name === sendSpanName);
  const chain: ResolvedSpan[] = [];
  for (let at = send; at; at = at.parentSpanId === undefined ? undefined : byId.get(at.parentSpanId)) chain.unshift(at);
  // The chain and, below it, in-process work and synchronous calls (server spans) it waits for.
  const children = new Map<string, ResolvedSpan[]>();
  for (const span of spans) if (span.parentSpanId !== undefined) children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  const onPath = new Map(chain.map((span) => [span.spanId, span]));
  const walk = [...chain];
  for (let at = walk.pop(); at; at = walk.pop()) {
    for (const child of children.get(at.spanId) ?? []) {
      if (onPath.has(child.spanId) || (crosses(child) && child.kind !== 'server')) continue;
      onPath.set(child.spanId, child);
      walk.push(child);
    }
  }
  const waitedFor = [...onPath.values()].filter((span) => !chain.includes(span) && crosses(span));
  const describe = (span: ResolvedSpan) => `${byId.get(span.parentSpanId ?? '')?.service ?? '?'} → ${span.service}: ${span.name}`;
  const path = [...chain.filter(crosses).map(describe), ...waitedFor.map((span) => `${describe(span)} (waited for)`)];
  const statements = spans.filter(isStatement);
  return {
    criticalPath: path.length,
    criticalPathStatements: statements.filter((span) => onPath.has(span.spanId)).length,
    total: spans.filter(crosses).length,
    totalStatements: statements.length,
    path,
    complete: send !== undefined && chain[0]?.kind === 'server',
  };
}
