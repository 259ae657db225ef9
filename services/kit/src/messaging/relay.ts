// Transactional outbox, read side: moves committed rows to the broker. Safe with several
// replicas (rows are claimed FOR UPDATE SKIP LOCKED), marks a batch sent only after the
// broker confirmed it, and never loses a row: a crash leaves the batch pending and it is
// published again (consumers de-duplicate by event id; JetStream also by Nats-Msg-Id).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { NotifiedWorker, type StepResult } from '../db/notified-worker.ts';
import { withTransactionOpenedBy, type Pool } from '../db/pool.ts';
import type { KitMetrics, OutboxBacklog } from '../metrics/registry.ts';
import { extractTraceContext, injectTraceContext, kitTracer } from '../telemetry/trace-context.ts';
import { headerNames, type Broker, type OutgoingMessage } from './broker.ts';
import { envelopeContentType } from './envelope.ts';
import { outboxChannel } from './outbox.ts';

export interface RelayOptions {
  pool: Pool;
  broker: Broker;
  logger: Logger;
  metrics?: Pick<KitMetrics, 'eventsPublished'>;
  batchSize: number;
  pollIntervalMs: number;
  retentionSeconds: number;
}

interface OutboxRow {
  /** bigserial, as text. */
  seq: string;
  id: string;
  type: string;
  envelope: unknown;
  traceparent: string | null;
  tracestate: string | null;
}

export class OutboxRelay {
  readonly #options: RelayOptions;
  readonly #worker: NotifiedWorker;
  #lastCleanup = 0;

  constructor(options: RelayOptions) {
    this.#options = options;
    this.#worker = new NotifiedWorker({
      name: 'outbox relay',
      pool: options.pool,
      channel: outboxChannel,
      pollIntervalMs: options.pollIntervalMs,
      logger: options.logger,
      step: () => this.#step(),
    });
  }

  start(): Promise<void> {
    return this.#worker.start();
  }

  /** Finishes the batch in progress, then stops. */
  stop(): Promise<void> {
    return this.#worker.stop();
  }

  /**
   * Publishes up to one batch; returns how many rows were published. One round trip claims
   * and marks the rows (BEGIN with an UPDATE … RETURNING of rows locked SKIP LOCKED); the
   * mark commits only after the broker confirmed the batch, and a failure rolls it back.
   */
  async publishBatch(): Promise<number> {
    const { pool, broker, batchSize } = this.#options;
    // MATERIALIZED: the locked selection runs exactly once, whatever plan the UPDATE gets.
    const claim = `WITH claimed AS MATERIALIZED (
        SELECT seq FROM metrox_outbox WHERE published_at IS NULL ORDER BY seq LIMIT ${String(Math.trunc(batchSize))} FOR UPDATE SKIP LOCKED
      )
      UPDATE metrox_outbox o SET published_at = now() FROM claimed WHERE o.seq = claimed.seq
      RETURNING o.seq, o.id, o.type, o.envelope, o.traceparent, o.tracestate`;
    const published = await withTransactionOpenedBy(pool, claim, async (_tx, [claimedRows]) => {
      const rows = ((claimedRows?.rows ?? []) as OutboxRow[]).sort((a, b) => Number(a.seq) - Number(b.seq));
      if (rows.length === 0) return [];
      const claimed = rows.map((row) => ({ row, span: this.#startPublishSpan(row, rows.length) }));
      const batch = claimed.map(({ row, span }): OutgoingMessage => {
        // Broker headers carry the publish span, so broker-side tools see the hop;
        // the envelope keeps the producing request's own context.
        const hop = injectTraceContext(trace.setSpan(ROOT_CONTEXT, span));
        return {
          id: row.id,
          type: row.type,
          body: Buffer.from(JSON.stringify(row.envelope)),
          headers: {
            'content-type': envelopeContentType,
            [headerNames.type]: row.type,
            ...(hop.traceparent ? { [headerNames.traceparent]: hop.traceparent } : {}),
            ...(hop.tracestate ? { [headerNames.tracestate]: hop.tracestate } : {}),
          },
        };
      });
      try {
        await broker.publish(batch);
      } catch (error) {
        for (const { span } of claimed) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          span.end();
        }
        throw error;
      }
      return claimed;
    });
    for (const { row, span } of published) {
      span.end();
      this.#options.metrics?.eventsPublished.inc({ type: row.type });
    }
    return published.length;
  }

  /** One batch; a full batch means more is waiting. A failed batch stays pending and is counted on its rows. */
  async #step(): Promise<StepResult> {
    try {
      const published = await this.publishBatch();
      await this.#cleanup();
      return published < this.#options.batchSize ? 'idle' : 'more';
    } catch (error) {
      this.#options.logger.error({ err: error }, 'outbox relay could not publish a batch; it stays pending');
      await this.#recordFailure(error as Error);
      return 'failed';
    }
  }

  #startPublishSpan(row: OutboxRow, batchSize: number): Span {
    const parent = extractTraceContext({
      ...(row.traceparent ? { traceparent: row.traceparent } : {}),
      ...(row.tracestate ? { tracestate: row.tracestate } : {}),
    });
    return kitTracer().startSpan(
      `${row.type} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': this.#options.broker.kind === 'nats' ? 'nats' : 'rabbitmq',
          'messaging.operation.type': 'send',
          'messaging.message.id': row.id,
          'messaging.destination.name': row.type,
          'messaging.batch.message_count': batchSize,
        },
      },
      parent,
    );
  }

  async #recordFailure(error: Error): Promise<void> {
    await this.#options.pool
      .query(
        `UPDATE metrox_outbox SET publish_attempts = publish_attempts + 1, last_error = $2
         WHERE seq IN (SELECT seq FROM metrox_outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1)`,
        [this.#options.batchSize, error.message.slice(0, 1_000)],
      )
      .catch(() => undefined);
  }

  async #cleanup(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastCleanup < 60_000) return;
    this.#lastCleanup = now;
    await this.#options.pool.query(
      `DELETE FROM metrox_outbox WHERE published_at < now() - make_interval(secs => $1)`,
      [this.#options.retentionSeconds],
    );
  }
}

/** Pending count and oldest age, for the outbox gauges. */
export async function readOutboxBacklog(pool: Pool): Promise<OutboxBacklog> {
  const { rows } = await pool.query<{ pending: string; oldest: number | null }>(
    `SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
     FROM metrox_outbox WHERE published_at IS NULL`,
  );
  return { pending: Number(rows[0]?.pending ?? 0), oldestAgeSeconds: Math.max(0, rows[0]?.oldest ?? 0) };
}
