import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralPortsStart, freePort } from './processes.ts';

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range that a server can bind', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeLessThan(ephemeralPortsStart());
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });
});
