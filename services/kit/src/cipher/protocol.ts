// The cipher helper's messages. Each frame body is one UTF-8 JSON object. Requests
// carry an id the response echoes, so a connection can pipeline many requests and a
// client can tell which call an answer belongs to; every response says `ok` or
// carries a typed error.

export type CipherOp = 'encrypt' | 'decrypt';
export const cipherOps: readonly CipherOp[] = ['encrypt', 'decrypt'];

/** Errors the helper answers with. */
export type ServerErrorCode =
  | 'bad_request' // the frame is not a well-formed request
  | 'frame_too_large' // the declared length exceeds the limit; the connection is closed
  | 'request_timeout' // a frame started but did not complete in time; the connection is closed
  | 'plaintext_too_large' // its ciphertext would not fit in a decrypt request: refused rather than unreadable later
  | 'bad_ciphertext' // not a ciphertext this helper produces
  | 'unknown_key' // the ciphertext names a key id the helper does not hold
  | 'decrypt_failed' // authentication failed: tampered ciphertext or wrong context
  | 'internal';

/** Errors the client raises without an answer from the helper. */
export type ClientErrorCode =
  | 'unavailable' // cannot connect, or the connection broke before the answer
  | 'deadline_exceeded'
  | 'protocol_error' // the helper sent something that is not a response
  | 'client_closed';

export type CipherErrorCode = ServerErrorCode | ClientErrorCode;

export interface CipherRequest {
  id: number;
  op: CipherOp;
  /** Plaintext for `encrypt`, a ciphertext for `decrypt`. */
  data: string;
  /** Authenticated context (e.g. a record id) the ciphertext is bound to; not stored in it. */
  context?: string;
  traceparent?: string;
  tracestate?: string;
}

export type CipherResponse =
  | { id: number; ok: true; data: string; keyId: string }
  | { id: number | null; ok: false; error: { code: ServerErrorCode; message: string } };

export type Parsed<T> = { ok: true; value: T } | { ok: false; id: number | null; message: string };

const serverErrorCodes = new Set<string>([
  'bad_request',
  'frame_too_large',
  'request_timeout',
  'plaintext_too_large',
  'bad_ciphertext',
  'unknown_key',
  'decrypt_failed',
  'internal',
]);

export function encodeMessage(message: CipherRequest | CipherResponse): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function optionalString(object: Record<string, unknown>, key: string): string | undefined | null {
  const value = object[key];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : null;
}

export function parseRequest(body: Buffer): Parsed<CipherRequest> {
  const object = parseObject(body);
  if (!object) return { ok: false, id: null, message: 'frame body is not a JSON object' };
  const id = isRequestId(object.id) ? object.id : null;
  if (id === null) return { ok: false, id, message: 'id must be a non-negative integer' };
  const op = object.op;
  if (op !== 'encrypt' && op !== 'decrypt') return { ok: false, id, message: `op must be one of ${cipherOps.join(', ')}` };
  if (typeof object.data !== 'string') return { ok: false, id, message: 'data must be a string' };
  const request: CipherRequest = { id, op, data: object.data };
  for (const key of ['context', 'traceparent', 'tracestate'] as const) {
    const value = optionalString(object, key);
    if (value === null) return { ok: false, id, message: `${key} must be a string when present` };
    if (value !== undefined) request[key] = value;
  }
  return { ok: true, value: request };
}

export function parseResponse(body: Buffer): Parsed<CipherResponse> {
  const object = parseObject(body);
  if (!object) return { ok: false, id: null, message: 'response body is not a JSON object' };
  const id = isRequestId(object.id) ? object.id : null;
  if (object.ok === true) {
    if (id === null) return { ok: false, id, message: 'successful response without an id' };
    if (typeof object.data !== 'string' || typeof object.keyId !== 'string') {
      return { ok: false, id, message: 'successful response without data and keyId' };
    }
    return { ok: true, value: { id, ok: true, data: object.data, keyId: object.keyId } };
  }
  const error = typeof object.error === 'object' && object.error !== null ? (object.error as Record<string, unknown>) : {};
  if (object.ok !== false || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return { ok: false, id, message: 'response is neither a result nor an error' };
  }
  const code = serverErrorCodes.has(error.code) ? (error.code as ServerErrorCode) : 'internal';
  return { ok: true, value: { id, ok: false, error: { code, message: error.message } } };
}
