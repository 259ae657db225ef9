// What the helper answers to one well-formed request: a pure function of the request
// and the keys (plus the nonce's randomness).
import type { CipherRequest, CipherResponse } from '@metrox/kit/cipher';
import { open, seal } from '../crypto/aes-gcm.ts';
import type { Keyring } from '../keys/keyring.ts';

/** Room in a decrypt request for everything but the ciphertext and context: id, op, field names, trace context. */
const decryptRequestOverhead = 768;

export function handleRequest(request: CipherRequest, keyring: Keyring, maxFrameBytes: number): CipherResponse {
  if (request.op === 'encrypt') {
    const ciphertext = seal(keyring.primary, request.data, request.context);
    // Never hand out a ciphertext that could not be sent back to be decrypted.
    const decryptBytes = Buffer.byteLength(ciphertext) + Buffer.byteLength(JSON.stringify(request.context ?? '')) + decryptRequestOverhead;
    if (decryptBytes > maxFrameBytes) {
      return {
        id: request.id,
        ok: false,
        error: { code: 'plaintext_too_large', message: `plaintext too large: its ciphertext would not fit in a ${maxFrameBytes}-byte frame` },
      };
    }
    return { id: request.id, ok: true, data: ciphertext, keyId: keyring.primary.id };
  }
  const opened = open(keyring, request.data, request.context);
  if (!opened.ok) return { id: request.id, ok: false, error: { code: opened.code, message: opened.message } };
  return { id: request.id, ok: true, data: opened.plaintext, keyId: opened.keyId };
}
