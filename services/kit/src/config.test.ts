import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('configuration', () => {
  it('takes defaults from the service and overrides from the environment', () => {
    const config = loadConfig({ name: 'payment', httpPort: 8081, grpcPort: 50052 }, { PORT: '9000', BROKER: 'nats', NATS_URL: 'nats://n:4222' });
    expect(config).toMatchObject({ serviceName: 'payment', httpPort: 9000, grpcPort: 50052, broker: { kind: 'nats', url: 'nats://n:4222' } });
  });

  it('uses a declared batch mode unless CONSUMER_BATCH is off, and refuses any other value', () => {
    expect(loadConfig({ name: 'x' }, {}).consumer.batch).toBe(true);
    expect(loadConfig({ name: 'x' }, { CONSUMER_BATCH: 'off' }).consumer.batch).toBe(false);
    expect(() => loadConfig({ name: 'x' }, { CONSUMER_BATCH: 'no' })).toThrow(/CONSUMER_BATCH/);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ name: 'x' }, { PORT: 'eighty', BROKER: 'kafka' })).toThrow(/PORT.*BROKER|BROKER.*PORT/);
  });
});
