import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildKeyring, createKey } from '../keys/keyring.ts';
import { open, seal } from './aes-gcm.ts';

const k1 = createKey('k1', randomBytes(32));
const k2 = createKey('k2', randomBytes(32));
const keyring = buildKeyring([k1, k2]);

function flipByteOfBody(ciphertext: string, index: number): string {
  const [prefix, keyId, encoded = ''] = ciphertext.split('.');
  const body = Buffer.from(encoded, 'base64url');
  body.writeUInt8((body.readUInt8(index) ^ 0x01) & 0xff, index);
  return `${prefix ?? ''}.${keyId ?? ''}.${body.toString('base64url')}`;
}

describe('AES-256-GCM sealing', () => {
  it('opens what it sealed, naming the key', () => {
    const ciphertext = seal(k2, 'card_tok_4242 ✓', 'payment-1');
    expect(ciphertext).toMatch(/^mx1\.k2\.[A-Za-z0-9_-]+$/);
    expect(open(keyring, ciphertext, 'payment-1')).toEqual({ ok: true, plaintext: 'card_tok_4242 ✓', keyId: 'k2' });
  });

  it('never repeats a ciphertext for the same plaintext', () => {
    expect(seal(k1, 'rider@upi')).not.toBe(seal(k1, 'rider@upi'));
  });

  it('refuses a tampered ciphertext, nonce or tag', () => {
    const ciphertext = seal(k1, 'rider@upi');
    for (const index of [0, 12, 20]) {
      expect(open(keyring, flipByteOfBody(ciphertext, index))).toMatchObject({ ok: false, code: 'decrypt_failed' });
    }
  });

  it('refuses a ciphertext relabelled with another key id', () => {
    const relabelled = seal(k1, 'rider@upi').replace('mx1.k1.', 'mx1.k2.');
    expect(open(keyring, relabelled)).toMatchObject({ ok: false, code: 'decrypt_failed' });
  });

  it('binds the ciphertext to its context', () => {
    const ciphertext = seal(k1, 'rider@upi', 'payment-1');
    expect(open(keyring, ciphertext, 'payment-2')).toMatchObject({ ok: false, code: 'decrypt_failed' });
    expect(open(keyring, ciphertext)).toMatchObject({ ok: false, code: 'decrypt_failed' });
  });

  it('tells a malformed ciphertext and an unknown key apart from tampering', () => {
    expect(open(keyring, 'rider@upi')).toMatchObject({ ok: false, code: 'bad_ciphertext' });
    expect(open(keyring, 'mx1.k1.AAAA')).toMatchObject({ ok: false, code: 'bad_ciphertext' });
    expect(open(keyring, 'mx1.k1.not base64!')).toMatchObject({ ok: false, code: 'bad_ciphertext' });
    expect(open(keyring, seal(createKey('k0', randomBytes(32)), 'x'))).toMatchObject({ ok: false, code: 'unknown_key' });
  });
});
