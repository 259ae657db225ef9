import { describe, expect, it } from 'vitest';
import { giveUpAfterAttempts } from '../service.ts';
import { CipherError } from '@metrox/kit/cipher';
import { givesUp, helperAway } from './charge.ts';

describe('giving up on an unavailable payment provider', () => {
  it('retries until the configured attempt, then fails the payment', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => givesUp(attempt, 4))).toEqual([false, false, false, true, true]);
  });

  it('gives up one attempt before the inbox would dead-letter the event', () => {
    expect(giveUpAfterAttempts({})).toBe(4);
    expect(giveUpAfterAttempts({ CONSUMER_MAX_ATTEMPTS: '8' })).toBe(7);
    expect(giveUpAfterAttempts({ PAYMENT_GIVE_UP_AFTER_ATTEMPTS: '2' })).toBe(2);
    expect(giveUpAfterAttempts({ CONSUMER_MAX_ATTEMPTS: '1' })).toBe(1);
    expect(() => giveUpAfterAttempts({ PAYMENT_GIVE_UP_AFTER_ATTEMPTS: '0' })).toThrow('PAYMENT_GIVE_UP_AFTER_ATTEMPTS');
  });
});

describe('a cipher helper failure while charging', () => {
  it('is retried without limit when the helper is away, and may dead-letter only when it refused the data', () => {
    expect(helperAway(new CipherError('unavailable', 'connection refused'))).toBe(true);
    expect(helperAway(new CipherError('deadline_exceeded', 'too slow'))).toBe(true);
    expect(helperAway(new CipherError('plaintext_too_large', 'no'))).toBe(false);
    expect(helperAway(new CipherError('internal', 'bug'))).toBe(false);
  });
});
