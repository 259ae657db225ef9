import { describe, expect, it } from 'vitest';
import { censorSecretFields, censored } from './censor.ts';

describe('censoring secret fields', () => {
  it('censors them at the top and in nested plain objects, whatever their case', () => {
    expect(
      censorSecretFields({
        password: 'pw',
        db: { connectionString: 'postgres://a:b@h/d', host: 'h' },
        req: { headers: { Authorization: 'Bearer t', cookie: 'c', accept: '*/*' } },
        card: { CardNumber: '4111111111111111', pan: '4111111111111111' },
      }),
    ).toEqual({
      password: censored,
      db: { connectionString: censored, host: 'h' },
      req: { headers: { Authorization: censored, cookie: censored, accept: '*/*' } },
      card: { CardNumber: censored, pan: censored },
    });
  });

  it('copies only what changes and leaves the logged object as it was', () => {
    const clean = { requestId: 'r-1', res: { statusCode: 201 } };
    expect(censorSecretFields(clean)).toBe(clean);
    const logged = { user: { token: 't' }, other: { a: 1 } };
    const result = censorSecretFields(logged);
    expect(logged.user.token).toBe('t');
    expect(result.other).toBe(logged.other);
    expect(result.user).toEqual({ token: censored });
  });

  it('stops three levels down and leaves class instances to their serializers', () => {
    const deep = { a: { b: { c: { password: 'kept' } } } };
    expect(censorSecretFields(deep)).toBe(deep);
    const error = Object.assign(new Error('boom'), { password: 'pw' });
    expect(censorSecretFields({ err: error }).err).toBe(error);
  });

  it('keeps a field that is absent as absent', () => {
    expect(censorSecretFields({ password: undefined })).toEqual({ password: undefined });
  });
});
