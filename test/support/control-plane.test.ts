import { describe, expect, it } from 'vitest';
import { parseAuditLog } from './control-plane.ts';

describe('parseAuditLog', () => {
  const line = (event: object) => JSON.stringify(event);
  const complete = {
    stage: 'ResponseComplete',
    verb: 'patch',
    user: { username: 'system:serviceaccount:metrox-system:metrox-operator' },
    userAgent: 'metrox-operator',
    objectRef: { resource: 'deployments', namespace: 'shop-1a2b3c', subresource: 'status' },
    responseStatus: { code: 200 },
  };

  it('reads each completed request with its verb, user, resource and namespace', () => {
    expect(parseAuditLog(`${line(complete)}\n`)).toEqual([
      { verb: 'patch', user: 'system:serviceaccount:metrox-system:metrox-operator', userAgent: 'metrox-operator', resource: 'deployments', subresource: 'status', namespace: 'shop-1a2b3c', code: 200 },
    ]);
  });

  it('skips the stages before completion and reads a cluster-scoped or non-resource request with empty names', () => {
    const text = [line({ ...complete, stage: 'ResponseStarted' }), line({ stage: 'ResponseComplete', verb: 'get', user: { username: 'admin' } }), ''].join('\n');
    expect(parseAuditLog(text)).toEqual([{ verb: 'get', user: 'admin', userAgent: '', resource: '', subresource: '', namespace: '', code: 0 }]);
  });
});
