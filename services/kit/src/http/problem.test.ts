import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../db/unavailable.ts';
import { HttpProblem, toProblem } from './problem.ts';

describe('problem details', () => {
  it('a validation failure is a 400 that points at each bad field', () => {
    const problem = toProblem({ validation: [{ instancePath: '', message: "must have required property 'riderId'", params: { missingProperty: 'riderId' } }], validationContext: 'body' });
    expect(problem).toMatchObject({ status: 400, errors: [{ pointer: 'body#/riderId' }] });
  });

  it('a domain problem keeps its status, type and detail', () => {
    expect(toProblem(new HttpProblem(422, 'unknown-station', 'Unknown station', 'No station "X"', { station: 'X' }), '/v1/t')).toEqual({
      type: 'https://metrox.dev/problems/unknown-station',
      title: 'Unknown station',
      status: 422,
      detail: 'No station "X"',
      station: 'X',
      instance: '/v1/t',
    });
  });

  it('an unexpected error is a 500 that reveals nothing', () => {
    const problem = toProblem(new Error('relation "secret_table" does not exist'));
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('secret_table');
  });

  it('framework client errors stay 4xx', () => {
    expect(toProblem({ statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'Unsupported Media Type: text/plain' })).toMatchObject({ status: 415, type: 'https://metrox.dev/problems/ctp-invalid-media-type' });
  });

  it('an unavailable database is a 503 the client may retry, not a 500', () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(toProblem(terminated, '/v1/t')).toEqual({ type: 'https://metrox.dev/problems/unavailable', title: 'Service Unavailable', status: 503, instance: '/v1/t' });
    expect(toProblem(new DatabaseUnavailableError('database unavailable'))).toMatchObject({ status: 503 });
  });
});
