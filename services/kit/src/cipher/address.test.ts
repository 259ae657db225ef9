import { describe, expect, it } from 'vitest';
import { isLoopbackIp, parseCipherAddress } from './address.ts';

describe('loopback addresses', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackIp(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', 'fe80::1', '1::1', '::ffff:10.0.0.1', 'localhost', '128.0.0.1', ''])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackIp(host)).toBe(false);
    },
  );

  it('parses CIPHER_ADDR forms', () => {
    expect(parseCipherAddress('127.0.0.1:7400')).toEqual({ host: '127.0.0.1', port: 7400 });
    expect(parseCipherAddress('[::1]:7400')).toEqual({ host: '::1', port: 7400 });
    expect(parseCipherAddress('localhost:7400')).toEqual({ host: 'localhost', port: 7400 });
  });

  it('refuses an address off the machine or without a port', () => {
    expect(() => parseCipherAddress('10.0.0.5:7400')).toThrow(/not on loopback/);
    expect(() => parseCipherAddress('127.0.0.1')).toThrow(/host:port/);
    expect(() => parseCipherAddress('127.0.0.1:70000')).toThrow(/host:port/);
  });
});
