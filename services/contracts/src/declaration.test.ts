import { describe, expect, it } from 'vitest';
import { declarationProblems, defineService, peerAddressVariable } from './declaration.ts';

describe('defineService', () => {
  it('defaults the metrics path to /metrics', () => {
    expect(defineService({ name: 'a', ports: { http: 1, grpc: 2 }, events: { publishes: [], consumes: [] }, peers: [] }).metricsPath).toBe('/metrics');
  });

  it('rejects a declaration with one port for both servers, naming it', () => {
    expect(() => defineService({ name: 'a', ports: { http: 1, grpc: 1 }, events: { publishes: [], consumes: [] }, peers: [] })).toThrow(
      'service declaration a: ports.http and ports.grpc must differ',
    );
  });

  it('lists every problem types cannot catch', () => {
    expect(
      declarationProblems({ name: 'A', ports: { http: 0, grpc: 2 }, events: { publishes: [], consumes: ['PaymentFailed', 'PaymentFailed'] }, peers: ['A'], metricsPath: 'metrics' }),
    ).toEqual([
      'name must be a DNS label (lower case letters, digits, dashes)',
      'ports.http 0 is not a port',
      'events.consumes names PaymentFailed twice',
      'a service is not its own peer',
      'metricsPath metrics is not an absolute path',
    ]);
  });

  it('types event names against the contracts: a misspelt one does not compile', () => {
    const events = { publishes: ['PaymentConfirmd'], consumes: [] } as const;
    // @ts-expect-error PaymentConfirmd is no event of @metrox/contracts
    expect(defineService({ name: 'a', ports: { http: 1, grpc: 2 }, events, peers: [] }).events).toBe(events);
  });

  it('names a peer\'s address variable in upper case with underscores', () => {
    expect(peerAddressVariable('fare-engine')).toBe('FARE_ENGINE_GRPC_ADDRESS');
  });
});
