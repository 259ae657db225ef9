-- What was (or is to be) sent. One row per transaction and outcome: the unique
-- constraint is what makes "never sends twice" hold across redeliveries and replicas.
-- A row is written PENDING by the event handler and SENT by the dispatcher, which
-- retries (with backoff, without limit) while Transaction or the provider is unreachable.
-- UNDELIVERABLE: Transaction does not know the purchase or rider (kept for a human to look at).
CREATE TABLE notifications (
  id uuid PRIMARY KEY,
  transaction_id text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('CONFIRMED', 'FAILED')),
  failure_reason text,
  payment_event_id text NOT NULL,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'UNDELIVERABLE')),
  rider_id text,
  channel text CHECK (channel IN ('sms', 'email', 'log')),
  recipient text,
  subject text,
  body text,
  provider_message_id text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  sent_at timestamptz,
  UNIQUE (transaction_id, outcome)
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'PENDING';
