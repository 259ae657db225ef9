import { describe, expect, it } from 'vitest';
import { splitMethodPath } from './server.ts';

describe('gRPC method paths', () => {
  it('split into service and method for metric labels', () => {
    expect(splitMethodPath('/metrox.transaction.v1.TransactionService/GetTransaction')).toEqual({
      service: 'metrox.transaction.v1.TransactionService',
      method: 'GetTransaction',
    });
  });
});
