import type { CipherErrorCode } from './protocol.ts';

/** Every failure of a cipher call, with a code a caller can branch on. */
export class CipherError extends Error {
  readonly code: CipherErrorCode;

  constructor(code: CipherErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CipherError';
    this.code = code;
  }

  /** Transport failures are worth retrying; answers from the helper are final. */
  get retryable(): boolean {
    return this.code === 'unavailable';
  }
}
