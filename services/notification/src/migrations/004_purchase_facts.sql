-- The purchase and the rider's contact, as TransactionCompleted carried them: the dispatcher
-- composes the message from the row alone, so telling a rider needs no other service up.
-- A row recorded before (without them) is marked UNDELIVERABLE when it comes due.
-- The row now comes from TransactionCompleted rather than the payment outcome itself.
ALTER TABLE notifications ADD COLUMN purchase jsonb;
ALTER TABLE notifications RENAME COLUMN payment_event_id TO source_event_id;
