import { describe, expect, it } from 'vitest';
import { defaultKeysDir, readConfig } from './config.ts';

describe('cipher configuration', () => {
  it('defaults to loopback and the mounted Secret', () => {
    expect(readConfig({})).toMatchObject({ host: '127.0.0.1', port: 7400, keysDir: defaultKeysDir, maxFrameBytes: 65_536 });
  });

  it('reports every bad variable at once', () => {
    expect(() => readConfig({ CIPHER_PORT: 'http', CIPHER_MAX_FRAME_BYTES: '1', LOG_LEVEL: 'loud' })).toThrow(
      /CIPHER_PORT=http .*; CIPHER_MAX_FRAME_BYTES=1 .*; LOG_LEVEL=loud/,
    );
  });
});
