import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ephemeralPortsStart, freePort, spawnTethered } from './processes.ts';

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

describe('spawnTethered', () => {
  it('signals the command itself: SIGSTOP and SIGCONT leave it running, SIGKILL ends it and its tether', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'metrox-tether-'));
    const child = spawnTethered('sleeper', 'sleep', ['30'], join(folder, 'sleeper.log'));
    try {
      await child.signal('SIGSTOP');
      await child.signal('SIGCONT');
      const exitedEarly = await Promise.race([child.exited.then(() => true), new Promise<boolean>((resolve) => {
          setTimeout(() => {
            resolve(false);
          }, 200);
        })]);
      expect(exitedEarly).toBe(false);
      await child.signal('SIGKILL');
      // The tether exits with the command's status: 128 + SIGKILL.
      expect(await child.exited).toBe(137);
    } finally {
      await child.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
