-- The trace of the payment outcome, so the send (done later by the dispatcher, maybe
-- after an outage) continues the purchase's trace instead of starting a new one.
ALTER TABLE notifications ADD COLUMN traceparent text, ADD COLUMN tracestate text;
