import { describe, expect, it } from 'vitest';
import { cipherAddress, paymentService } from './service.ts';

describe('payment configuration', () => {
  it('refuses to start without CIPHER_ADDR: there is no plaintext fallback', () => {
    expect(() => paymentService({})).toThrow(/CIPHER_ADDR is not set/);
    expect(() => cipherAddress({ CIPHER_ADDR: '  ' })).toThrow(/CIPHER_ADDR is not set/);
  });

  it('refuses a cipher helper that is not on loopback', () => {
    expect(() => paymentService({ CIPHER_ADDR: '10.0.0.5:7400' })).toThrow();
  });
});
