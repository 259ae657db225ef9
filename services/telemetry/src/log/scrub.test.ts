import { describe, expect, it } from 'vitest';
import { luhnValid, scrubSecrets } from './scrub.ts';

describe('secrets in free text', () => {
  it('connection strings lose their password but keep where they point', () => {
    expect(scrubSecrets('cannot reach postgres://app:s3cret@db:5432/tx')).toBe('cannot reach postgres://app:[REDACTED]@db:5432/tx');
  });

  it('bearer tokens and password assignments are redacted', () => {
    expect(scrubSecrets('Authorization: Bearer abc.def.ghi')).toBe('Authorization: Bearer [REDACTED]');
    expect(scrubSecrets('login password=hunter2 user=x')).toBe('login password=[REDACTED] user=x');
  });

  it('card numbers are redacted, other long numbers are not', () => {
    expect(scrubSecrets('card 4111 1111 1111 1111 declined')).toBe('card [REDACTED-PAN] declined');
    expect(scrubSecrets('order 1234567890123 shipped')).toBe('order 1234567890123 shipped');
    expect(luhnValid('4111111111111111')).toBe(true);
  });
});
