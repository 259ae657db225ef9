import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './client.ts';

describe('Retry-After', () => {
  it('in delay-seconds is read as milliseconds', () => {
    expect(retryAfterMs('1')).toBe(1000);
    expect(retryAfterMs(' 30 ')).toBe(30_000);
  });

  it('absent, as an HTTP date or malformed is no wait the client knows of', () => {
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT')).toBeUndefined();
    expect(retryAfterMs('-1')).toBeUndefined();
    expect(retryAfterMs('1.5')).toBeUndefined();
  });
});
