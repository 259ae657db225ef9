// A service whose NATS connection drops: not ready while the client reconnects, events
// published meanwhile reach the stream once the connection is back, consumers resume and
// every event is applied exactly once. NATS is real; a TCP relay in front of it cuts the
// connection and refuses new ones for as long as the test needs.
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, testBroker, uniqueSuffix, type TestBroker, type TestDatabase } from '../testing/infra.ts';
import { startPurchaseProbe, type PurchaseProbe } from '../testing/purchase-probe.ts';

interface Cuttable {
  url: string;
  /** Closes every relayed connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function relayTo(upstream: URL): Promise<Cuttable> {
  let refusing = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const server = tcpConnect(Number(upstream.port), upstream.hostname);
    for (const [from, to] of [
      [client, server],
      [server, client],
    ] as const) {
      open.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        open.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `nats://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      refusing = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      refusing = false;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('a service when its NATS connection drops', () => {
  let database: TestDatabase;
  let target: TestBroker;
  let relay: Cuttable;
  let probe: PurchaseProbe;
  const consumer = `kit-nats-reconnect-${uniqueSuffix()}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    target = testBroker('nats');
    relay = await relayTo(new URL(target.config.url));
    probe = await startPurchaseProbe({
      name: 'kit-nats-reconnect-test',
      consumer,
      env: {
        ...target.env,
        NATS_URL: relay.url,
        DATABASE_URL: database.url,
      },
    });
  });

  afterAll(async () => {
    relay.restore();
    await probe.service.stop();
    await relay.close();
    await target.cleanup([consumer]);
    await database.drop();
  });

  it('is not ready while disconnected, then reconnects, resumes its consumer and applies each event once', async () => {
    await probe.buy('before');
    await eventually(() => probe.applied('before'), (n) => n === 1);
    expect((await probe.readiness()).status).toBe(200);

    relay.cut();
    const notReady = await eventually(probe.readiness, (r) => r.status === 503);
    expect(notReady.body.checks).toMatchObject({ broker: false, database: true });
    await probe.buy('during');
    const pending = await probe.service.kit.pool.query<{ n: string }>("SELECT count(*) AS n FROM metrox_outbox WHERE published_at IS NULL AND envelope->'data'->>'transactionId' = 'during'");
    expect(Number(pending.rows[0]?.n)).toBe(1);

    relay.restore();
    await eventually(probe.readiness, (r) => r.status === 200);
    expect(probe.lines.some((line) => line.msg === 'NATS reconnected; consumers resume')).toBe(true);
    await eventually(() => probe.applied('during'), (n) => n === 1);

    await probe.buy('after');
    await eventually(() => probe.applied('after'), (n) => n === 1);
    expect(await probe.applied('before')).toBe(1);
    expect(await probe.applied('during')).toBe(1);
  });
});
