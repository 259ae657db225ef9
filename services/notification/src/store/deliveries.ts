// The built-in providers' delivery ledger (table provider_deliveries), as SQL only. Each
// call is one short statement of its own: nothing is held while a message is on its way.
import type { Pool } from '@metrox/kit';

/** What an earlier send with the same key left behind. */
export interface EarlierDelivery {
  channel: string;
  /** How long ago it started, by the database's clock. */
  ageMs: number;
  /** Set once the provider accepted the message; null while in flight, or if it never reported back. */
  providerMessageId: string | null;
}

export type Reservation = { reserved: true } | { reserved: false; earlier: EarlierDelivery | undefined };

export interface DeliveryLedger {
  /** Claims `key` for a first send; or says what became of the earlier one (undefined: it was just released). */
  reserve(key: string, channel: string): Promise<Reservation>;
  /** The provider accepted the message sent under `key`. */
  accepted(key: string, providerMessageId: string): Promise<void>;
  /** Nothing was sent under `key` after all: a later send may use it. */
  release(key: string): Promise<void>;
}

export function deliveryLedger(pool: Pick<Pool, 'query'>): DeliveryLedger {
  return {
    async reserve(key, channel) {
      const inserted = await pool.query('INSERT INTO provider_deliveries (idempotency_key, channel) VALUES ($1, $2) ON CONFLICT DO NOTHING', [key, channel]);
      if (inserted.rowCount === 1) return { reserved: true };
      const { rows } = await pool.query<{ channel: string; age_ms: number; provider_message_id: string | null }>(
        `SELECT channel, extract(epoch FROM clock_timestamp() - started_at)::float8 * 1000 AS age_ms, provider_message_id
         FROM provider_deliveries WHERE idempotency_key = $1`,
        [key],
      );
      const row = rows[0];
      return { reserved: false, earlier: row && { channel: row.channel, ageMs: row.age_ms, providerMessageId: row.provider_message_id } };
    },
    async accepted(key, providerMessageId) {
      await pool.query('UPDATE provider_deliveries SET provider_message_id = $2, accepted_at = clock_timestamp() WHERE idempotency_key = $1', [key, providerMessageId]);
    },
    async release(key) {
      await pool.query('DELETE FROM provider_deliveries WHERE idempotency_key = $1 AND provider_message_id IS NULL', [key]);
    },
  };
}
