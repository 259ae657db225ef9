// No database transaction of a service spans a network call, seen from Postgres' side: while
// Payment waits on its gateway and while Notification's send hangs on an SMTP server the test
// holds silent, pg_stat_activity shows no transaction of that service's database open for
// longer than a statement takes.
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, http } from './support/client.ts';
import { startFleet, type Fleet } from './support/fleet.ts';

/** Longer than any one short transaction of a service takes, far shorter than the network wait observed. */
const longTransactionMs = 500;

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet();
});

afterAll(async () => {
  await (fleet as Fleet | undefined)?.close(); // undefined when beforeAll failed
});

interface OpenTransaction {
  pid: number;
  state: string;
  ageMs: number;
  query: string;
}

/** Transactions of the service's database (other than this query's) open longer than `longTransactionMs`. */
async function longTransactions(service: 'payment' | 'notification'): Promise<OpenTransaction[]> {
  const { rows } = await fleet.db(service).query<OpenTransaction>(
    `SELECT pid, state, (extract(epoch FROM clock_timestamp() - xact_start) * 1000)::int AS "ageMs", left(query, 200) AS query
     FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
       AND xact_start < clock_timestamp() - make_interval(secs => $1::float8 / 1000)`,
    [longTransactionMs],
  );
  return rows;
}

/** Samples `longTransactions` until `done` holds; returns every long transaction seen and the number of samples. */
async function watchWhile(service: 'payment' | 'notification', blocked: () => Promise<boolean>): Promise<{ seen: OpenTransaction[]; samples: number }> {
  const seen: OpenTransaction[] = [];
  let samples = 0;
  await eventually(
    async () => {
      seen.push(...(await longTransactions(service)));
      samples++;
      return blocked();
    },
    (still) => !still,
    `${service}'s network wait to end`,
  );
  return { seen, samples };
}

async function buy(riderId: string, paymentMethod: 'upi' | 'card') {
  const created = await http<{ id: string }>(fleet.url('transaction', '/v1/transactions'), {
    method: 'POST',
    headers: { 'idempotency-key': randomUUID() },
    json: { riderId, fromStation: 'aluva', toStation: 'kaloor', paymentMethod },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

describe('no lock across I/O', () => {
  it('while Payment waits on its gateway, no transaction of its database is open', async () => {
    // Cards take ~6 s at the test gateway: the whole wait is sampled, from the event reaching Payment to the payment's row.
    const id = await buy(`rider-${randomUUID().slice(0, 8)}`, 'card');
    await eventually(
      async () => (await fleet.db('transaction').query("SELECT 1 FROM metrox_outbox WHERE type = 'TransactionCreated' AND published_at IS NOT NULL AND envelope->'data'->>'transactionId' = $1", [id])).rowCount,
      (n) => n === 1,
      'TransactionCreated to reach the broker',
    );
    const started = Date.now();
    const paid = async () => ((await fleet.db('payment').query('SELECT 1 FROM payments WHERE transaction_id = $1', [id])).rowCount ?? 0) > 0;
    const { seen, samples } = await watchWhile('payment', async () => !(await paid()));
    expect(Date.now() - started, 'the gateway wait that was watched').toBeGreaterThan(3_000);
    expect(samples).toBeGreaterThan(10);
    expect(seen).toEqual([]);
  });

  describe('while Notification hangs on its provider', () => {
    let silent: Server;
    const held: Socket[] = [];

    beforeAll(async () => {
      // An SMTP server that accepts and never greets: a send waits on it until the test lets go.
      silent = createServer((socket) => {
        held.push(socket);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      await fleet.stop('notification');
      await fleet.start('notification', { SMTP_URL: `smtp://127.0.0.1:${String(port)}?ignoreTLS=true` });
    });

    afterAll(async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await fleet.stop('notification');
      await fleet.start('notification');
    });

    it('no transaction of its database is open while the send waits', async () => {
      const riderId = `rider-${randomUUID().slice(0, 8)}`;
      const contact = await http(fleet.url('transaction', `/v1/riders/${riderId}`), { method: 'PUT', json: { displayName: 'Asha', email: `${riderId}@example.org` } });
      expect(contact.status).toBe(200);
      const id = await buy(riderId, 'upi');
      await eventually(() => Promise.resolve(held.length), (n) => n > 0, 'Notification to connect to the silent SMTP server');
      const since = Date.now();
      // Watched for 3 s of the send hanging, then the server lets go.
      const { seen, samples } = await watchWhile('notification', () => Promise.resolve(Date.now() - since < 3_000));
      expect(samples).toBeGreaterThan(10);
      expect(seen).toEqual([]);
      const { rows } = await fleet.db('notification').query<{ status: string }>('SELECT status FROM notifications WHERE transaction_id = $1', [id]);
      expect(rows).toEqual([{ status: 'PENDING' }]);
    });
  });
});
