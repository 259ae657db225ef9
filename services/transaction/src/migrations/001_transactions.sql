-- Riders as far as Transaction knows them: created on their first purchase, with
-- contact details the rider may add (PUT /v1/riders/{id}) for notifications.
CREATE TABLE riders (
  id text PRIMARY KEY,
  display_name text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '',
  phone text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A ticket purchase. The Idempotency-Key is unique: concurrent retries of one request
-- race on this constraint and exactly one of them creates the purchase.
CREATE TABLE transactions (
  id uuid PRIMARY KEY,
  rider_id text NOT NULL REFERENCES riders (id),
  from_station text NOT NULL,
  to_station text NOT NULL,
  payment_method text NOT NULL CHECK (payment_method IN ('upi', 'card', 'wallet')),
  fare_cents bigint NOT NULL CHECK (fare_cents >= 0),
  currency text NOT NULL,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'CONFIRMED', 'FAILED')),
  failure_reason text,
  idempotency_key text NOT NULL UNIQUE,
  request_fingerprint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL))
);
-- Newest first per rider, for keyset pagination.
CREATE INDEX transactions_by_rider ON transactions (rider_id, created_at DESC, id DESC);
