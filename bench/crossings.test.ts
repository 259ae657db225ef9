import { describe, expect, it } from 'vitest';
import type { ResolvedSpan } from '../test/observability/jaeger-query.ts';
import { countCrossings } from './crossings.ts';

const span = (spanId: string, service: string, name: string, parentSpanId?: string, kind = 'internal'): ResolvedSpan => ({ spanId, parentSpanId, service, name, kind });

describe('crossings of a purchase trace', () => {
  it('count cross-process edges on the chain to the send and the calls it waits for, and statements on them, apart from the rest of the trace', () => {
    const spans = [
      span('a', 'transaction', 'POST /v1/transactions', undefined, 'server'),
      span('a1', 'transaction', 'pg.query:insert_purchase', 'a', 'client'),
      span('b', 'payment', 'TransactionCreated process', 'a', 'consumer'),
      span('b1', 'payment', 'pg.query:insert_payment', 'b', 'client'),
      span('c', 'transaction', 'PaymentConfirmed process', 'b', 'consumer'),
      span('d', 'notification', 'TransactionCompleted process', 'c', 'consumer'),
      span('e', 'notification', 'notification send', 'd'),
      span('e1', 'notification', 'pg.query:mark_sent', 'e', 'client'),
      span('g', 'notification', 'GetRiderContact', 'e', 'client'),
      span('g1', 'transaction', 'GetRiderContact', 'g', 'server'),
      span('g2', 'transaction', 'pg.query:find_rider', 'g1', 'client'),
      span('o', 'operations', 'PaymentConfirmed process', 'b', 'consumer'),
      span('o1', 'operations', 'pg.query:apply', 'o', 'client'),
    ];
    const crossings = countCrossings(spans);
    expect(crossings.path).toEqual([
      'transaction → payment: TransactionCreated process',
      'payment → transaction: PaymentConfirmed process',
      'transaction → notification: TransactionCompleted process',
      'notification → transaction: GetRiderContact (waited for)',
    ]);
    expect(crossings).toMatchObject({ criticalPath: 4, criticalPathStatements: 4, total: 5, totalStatements: 5, complete: true });
  });

  it('find no critical path in a trace without the send', () => {
    expect(countCrossings([span('a', 'transaction', 'POST', undefined, 'server')])).toMatchObject({ criticalPath: 0, total: 0, complete: false });
  });

  it('call a chain incomplete while a span between the send and the request has not arrived', () => {
    const spans = [span('a', 'transaction', 'POST', undefined, 'server'), span('e', 'notification', 'notification send', 'missing')];
    expect(countCrossings(spans).complete).toBe(false);
  });
});
