import { describe, expect, it } from 'vitest';
import { parseDuration, parseLoadOptions } from './options.ts';

describe('load options', () => {
  it('default to 50 purchases/s for 30 s against the local services, following notifications', () => {
    const options = parseLoadOptions([]);
    expect(options.mode).toEqual({ kind: 'rate', ratePerSecond: 50 });
    expect(options.durationMs).toBe(30_000);
    expect(options.transactionUrl).toBe('http://127.0.0.1:8080');
    expect(options.notificationUrl).toBe('http://127.0.0.1:8083');
    expect(options.trackNotifications).toBe(true);
    expect(options.stations).toBeUndefined();
  });

  it('take a concurrency, stations, a payment mix and URLs from the environment', () => {
    const options = parseLoadOptions(['--concurrency', '16', '--duration', '2m', '--stations', 'aluva,kaloor', '--methods', 'card=1', '--no-notifications'], {
      METROX_TRANSACTION_URL: 'http://127.0.0.1:9080',
    });
    expect(options.mode).toEqual({ kind: 'concurrency', workers: 16 });
    expect(options.durationMs).toBe(120_000);
    expect(options.stations).toEqual(['aluva', 'kaloor']);
    expect(options.methods).toEqual({ upi: 0, card: 1, wallet: 0 });
    expect(options.transactionUrl).toBe('http://127.0.0.1:9080');
    expect(options.trackNotifications).toBe(false);
  });

  it('refuse contradictions and nonsense with the reason', () => {
    expect(() => parseLoadOptions(['--rate', '10', '--concurrency', '2'])).toThrow('either --rate or --concurrency');
    expect(() => parseLoadOptions(['--rate=-5'])).toThrow('--rate must be a number above 0');
    expect(() => parseLoadOptions(['--concurrency', '1.5'])).toThrow('whole number');
    expect(() => parseLoadOptions(['--stations', 'aluva'])).toThrow('two different station ids');
    expect(() => parseLoadOptions(['--bogus'])).toThrow();
  });

  it('durations read as people write them', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('20')).toBe(20_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(() => parseDuration('soon')).toThrow('not a duration');
    expect(() => parseDuration('0s')).toThrow('above zero');
  });
});
