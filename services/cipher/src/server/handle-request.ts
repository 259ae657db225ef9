// What the helper answers to one well-formed request: a pure function of the request
// and the keys (plus the nonce's randomness).
import type { CipherRequest, CipherResponse } from '@metrox/kit/cipher';
import { open, seal } from '../crypto/aes-gcm.ts';
import type { Keyring } from '../keys/keyring.ts';

export function handleRequest(request: CipherRequest, keyring: Keyring): CipherResponse {
  if (request.op === 'encrypt') {
    return { id: request.id, ok: true, data: seal(keyring.primary, request.data, request.context), keyId: keyring.primary.id };
  }
  const opened = open(keyring, request.data, request.context);
  if (!opened.ok) return { id: request.id, ok: false, error: { code: opened.code, message: opened.message } };
  return { id: request.id, ok: true, data: opened.plaintext, keyId: opened.keyId };
}
