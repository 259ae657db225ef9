-- Operations' read models. Each is fed by events only and can be rebuilt by replaying them.

-- Every applied event, newest last: the shift log and the guard against applying one twice.
CREATE TABLE event_log (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  source text NOT NULL,
  event_time timestamptz NOT NULL,
  transaction_id text,
  data jsonb NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_log_by_time ON event_log (event_time);
CREATE INDEX event_log_by_transaction ON event_log (transaction_id);

-- One row per purchase, whichever of its events arrives first (events of different
-- producers are not ordered): in flight while created and not yet completed.
CREATE TABLE purchases (
  transaction_id text PRIMARY KEY,
  rider_id text,
  from_station text,
  to_station text,
  payment_method text,
  fare_cents bigint,
  currency text,
  created_at timestamptz,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'CONFIRMED', 'FAILED')),
  failure_reason text,
  completed_at timestamptz
);
CREATE INDEX purchases_in_flight ON purchases (created_at) WHERE completed_at IS NULL;

-- Confirmed tickets and their revenue per departure station.
CREATE TABLE station_sales (
  station text NOT NULL,
  currency text NOT NULL,
  tickets_sold bigint NOT NULL DEFAULT 0,
  revenue_cents bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (station, currency)
);

-- Payment outcomes per method.
CREATE TABLE payment_outcomes (
  method text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('confirmed', 'failed')),
  payments bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (method, outcome)
);
