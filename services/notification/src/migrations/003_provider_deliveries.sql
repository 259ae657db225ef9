-- The built-in providers' memory of idempotency keys (a key is the notification id): a
-- row is written before a message is handed to SMTP or the log, and completed with the
-- provider's message id once it was accepted. A send with a known key is not repeated:
-- it answers the first receipt, or (never completed) is left in doubt rather than sent twice.
-- One key space for every built-in provider, so a notification goes out through one of them only.
CREATE TABLE provider_deliveries (
  idempotency_key text PRIMARY KEY,
  channel text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  provider_message_id text,
  accepted_at timestamptz
);
