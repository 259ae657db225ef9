// Network crossings of one purchase, counted from its trace. A crossing is a span whose
// parent ran in another process: a request served (server) or a message handled (consumer)
// because another process sent it (client, producer, or — across the outbox and broker — the
// span that wrote the event). Database statements are counted apart: each pg span is one
// round trip to Postgres. The critical path is the chain of spans from the rider's request
// to the span that sends the notification; everything else in the trace (Operations'
// projections, NotificationSent) happens beside it.
import type { ResolvedSpan } from '../test/observability/jaeger-query.ts';

export interface Crossings {
  /** Cross-process edges on the chain from the request to the notification send. */
  criticalPath: number;
  /** Database statements on that chain's spans and their descendants up to the next crossing. */
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
  const onChain = new Set(chain.map((span) => span.spanId));
  // A statement belongs to the critical path when its nearest ancestor on the chain is reached without crossing.
  const statementOnPath = (span: ResolvedSpan): boolean => {
    for (let at: ResolvedSpan | undefined = span; at; at = at.parentSpanId === undefined ? undefined : byId.get(at.parentSpanId)) {
      if (onChain.has(at.spanId)) return true;
      if (crosses(at)) return false;
    }
    return false;
  };
  const path = chain.filter(crosses).map((span) => `${byId.get(span.parentSpanId ?? '')?.service ?? '?'} → ${span.service}: ${span.name}`);
  const statements = spans.filter(isStatement);
  return {
    criticalPath: path.length,
    criticalPathStatements: statements.filter(statementOnPath).length,
    total: spans.filter(crosses).length,
    totalStatements: statements.length,
    path,
    complete: send !== undefined && chain[0]?.kind === 'server',
  };
}
