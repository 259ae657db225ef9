-- The payment instrument (UPI address, card token, wallet id), only as the cipher
-- helper's ciphertext bound to the payment id: the plain value never reaches this table.
-- NULL only for payments recorded before instruments were kept.
ALTER TABLE payments
  ADD COLUMN instrument_ciphertext text CHECK (instrument_ciphertext LIKE 'mx1.%');
