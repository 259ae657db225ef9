-- One payment per transaction: the unique constraint is the last line of defence
-- against a double charge, behind the inbox.
CREATE TABLE payments (
  id uuid PRIMARY KEY,
  transaction_id text NOT NULL UNIQUE,
  method text NOT NULL CHECK (method IN ('upi', 'card', 'wallet')),
  amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('CONFIRMED', 'FAILED', 'REFUNDED')),
  failure_reason text,
  gateway_reference text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL))
);

-- A refund per idempotency key; a payment is refunded at most once (in full).
CREATE TABLE refunds (
  id uuid PRIMARY KEY,
  payment_id uuid NOT NULL UNIQUE REFERENCES payments (id),
  idempotency_key text NOT NULL UNIQUE,
  reason text NOT NULL,
  amount_cents bigint NOT NULL,
  gateway_reference text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
