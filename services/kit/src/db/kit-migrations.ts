// The kit's own tables, applied before a service's migrations.
import type { Migration } from './migrate.ts';

export const kitMigrations: Migration[] = [
  {
    id: 'kit_0001_outbox',
    sql: `
      CREATE TABLE metrox_outbox (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        type text NOT NULL,
        envelope jsonb NOT NULL,
        traceparent text,
        tracestate text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz,
        publish_attempts integer NOT NULL DEFAULT 0,
        last_error text
      );
      CREATE INDEX metrox_outbox_pending ON metrox_outbox (seq) WHERE published_at IS NULL;
      CREATE INDEX metrox_outbox_published ON metrox_outbox (published_at) WHERE published_at IS NOT NULL;
    `,
  },
  {
    id: 'kit_0002_inbox',
    sql: `
      CREATE TABLE metrox_inbox (
        consumer text NOT NULL,
        event_id text NOT NULL,
        type text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      );
    `,
  },
];
