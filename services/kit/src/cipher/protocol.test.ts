import { describe, expect, it } from 'vitest';
import { encodeMessage, parseRequest, parseResponse } from './protocol.ts';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('cipher messages', () => {
  it('round-trips a request with context and trace context', () => {
    const request = { id: 3, op: 'encrypt' as const, data: 'upi:rider@bank', context: 'pay-1', traceparent: '00-aa-bb-01' };
    expect(parseRequest(encodeMessage(request))).toEqual({ ok: true, value: request });
  });

  it('names what is wrong with a malformed request, keeping its id when readable', () => {
    expect(parseRequest(Buffer.from('not json'))).toMatchObject({ ok: false, id: null });
    expect(parseRequest(body([1, 2]))).toMatchObject({ ok: false, id: null });
    expect(parseRequest(body({ id: 4, op: 'sign', data: 'x' }))).toMatchObject({ ok: false, id: 4, message: /op must be/ });
    expect(parseRequest(body({ id: 5, op: 'encrypt', data: 7 }))).toMatchObject({ ok: false, id: 5, message: /data/ });
    expect(parseRequest(body({ id: 6, op: 'decrypt', data: 'x', context: 1 }))).toMatchObject({ ok: false, id: 6, message: /context/ });
  });

  it('reads results and typed errors, and rejects anything else', () => {
    expect(parseResponse(body({ id: 1, ok: true, data: 'c', keyId: 'k1' }))).toEqual({ ok: true, value: { id: 1, ok: true, data: 'c', keyId: 'k1' } });
    expect(parseResponse(body({ id: null, ok: false, error: { code: 'frame_too_large', message: 'big' } }))).toMatchObject({
      ok: true,
      value: { id: null, error: { code: 'frame_too_large' } },
    });
    expect(parseResponse(body({ id: 1, ok: false, error: null }))).toMatchObject({ ok: false });
    expect(parseResponse(body({ id: 1, ok: true }))).toMatchObject({ ok: false });
  });
});
