// AES-256-GCM with a fresh random 96-bit nonce per message. A ciphertext is text,
// safe for a database column: `mx1.<keyId>.<base64url(nonce ‖ ciphertext ‖ tag)>`.
// The version and key id are authenticated too (additional data), as is the caller's
// context, so a ciphertext moved to another record or relabelled fails to open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { keyIdPattern, type Key, type Keyring } from '../keys/keyring.ts';

const version = 'mx1';
const nonceBytes = 12;
const tagBytes = 16;

export type OpenResult =
  | { ok: true; plaintext: string; keyId: string }
  | { ok: false; code: 'bad_ciphertext' | 'unknown_key' | 'decrypt_failed'; message: string };

function additionalData(keyId: string, context: string | undefined): Buffer {
  return Buffer.from(`${version}.${keyId}\u0000${context ?? ''}`, 'utf8');
}

export function seal(key: Key, plaintext: string, context?: string): string {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', key.secret, nonce, { authTagLength: tagBytes });
  cipher.setAAD(additionalData(key.id, context));
  const body = Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${version}.${key.id}.${body.toString('base64url')}`;
}

export function open(keyring: Keyring, ciphertext: string, context?: string): OpenResult {
  const [prefix, keyId, encoded, ...rest] = ciphertext.split('.');
  if (prefix !== version || keyId === undefined || !keyIdPattern.test(keyId) || encoded === undefined || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(encoded)) {
    return { ok: false, code: 'bad_ciphertext', message: `not a ${version} ciphertext (${version}.<keyId>.<base64url>)` };
  }
  const body = Buffer.from(encoded, 'base64url');
  if (body.length < nonceBytes + tagBytes) return { ok: false, code: 'bad_ciphertext', message: 'ciphertext is truncated' };
  const key = keyring.byId.get(keyId);
  if (!key) return { ok: false, code: 'unknown_key', message: `key "${keyId}" is not loaded: was it removed before its data was re-encrypted?` };
  const decipher = createDecipheriv('aes-256-gcm', key.secret, body.subarray(0, nonceBytes), { authTagLength: tagBytes });
  decipher.setAAD(additionalData(keyId, context));
  decipher.setAuthTag(body.subarray(body.length - tagBytes));
  try {
    const plaintext = Buffer.concat([decipher.update(body.subarray(nonceBytes, body.length - tagBytes)), decipher.final()]);
    return { ok: true, plaintext: plaintext.toString('utf8'), keyId };
  } catch {
    return { ok: false, code: 'decrypt_failed', message: 'ciphertext failed authentication: tampered, or the context differs' };
  }
}
