// The dispatcher against real Postgres: claim → send → record, with the notification id as the
// provider's idempotency key, nothing held in the database while the provider sends, and at
// most one message per notification when the dispatching process dies between send and record.
// Everything the message needs is on the row (from TransactionCompleted): no other service runs.
import { createLogger, createOutboxPublisher, withTransaction, type Logger } from '@metrox/kit';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/services/support/client.ts';
import { spawnTethered } from '../../../../test/support/processes.ts';
import { createLogProvider } from '../providers/log-provider.ts';
import type { NotificationProvider, OutgoingMessage } from '../providers/provider.ts';
import { createSmtpProvider } from '../providers/smtp-provider.ts';
import { deliveryLedger } from '../store/deliveries.ts';
import { recordOutcome } from '../store/notifications.ts';
import { createNotificationDatabase, type NotificationDatabase } from '../testing/database.ts';
import { startSmtpServer, type SmtpServer } from '../testing/smtp-server.ts';
import { Dispatcher } from './dispatcher.ts';

const dispatchProcess = fileURLToPath(new URL('../testing/dispatch-process.ts', import.meta.url));
const quietLogger = createLogger({ serviceName: 'notification-test', serviceVersion: 'test', level: 'silent' });

let smtp: SmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
});

afterAll(async () => {
  await smtp.close();
});

/** The PENDING notification of a confirmed purchase, as TransactionCompleted records it. */
async function pendingNotification(database: NotificationDatabase): Promise<string> {
  const riderId = `rider-${randomUUID().slice(0, 8)}`;
  const id = randomUUID();
  await recordOutcome(database.pool, {
    id,
    transactionId: randomUUID(),
    outcome: 'CONFIRMED',
    failureReason: null,
    sourceEventId: randomUUID(),
    purchase: {
      riderId,
      fromStation: 'aluva',
      toStation: 'tripunithura',
      fareCents: 5000,
      currency: 'INR',
      contact: { displayName: 'Asha', email: `${riderId}@example.org`, phone: '' },
    },
    trace: { traceparent: null, tracestate: null },
  });
  return id;
}

function dispatcherWith(database: NotificationDatabase, provider: NotificationProvider, logger: Logger = quietLogger): Dispatcher {
  return new Dispatcher({
    kit: { pool: database.pool, logger, publish: createOutboxPublisher('notification'), withTransaction: (work) => withTransaction(database.pool, work) },
    providers: [provider],
    sent: new Counter({ name: 'test_notifications_sent_total', help: 'sent in this test', labelNames: ['channel', 'outcome'] as const, registers: [] }),
    pollIntervalMs: 100,
    batchSize: 8,
    loops: 1,
    leaseMs: 1_000,
    retryBaseMs: 100,
    retryMaxMs: 1_000,
  });
}

async function notificationRow(database: NotificationDatabase, id: string) {
  const { rows } = await database.pool.query<{ status: string; attempts: number; provider_message_id: string | null }>(
    'SELECT status, attempts, provider_message_id FROM notifications WHERE id = $1',
    [id],
  );
  return rows[0];
}

async function notificationsSentEvents(database: NotificationDatabase, id: string): Promise<number> {
  const { rows } = await database.pool.query("SELECT 1 FROM metrox_outbox WHERE type = 'NotificationSent' AND envelope->'data'->>'notificationId' = $1", [id]);
  return rows.length;
}

describe('the notification dispatcher', () => {
  let database: NotificationDatabase;

  beforeAll(async () => {
    database = await createNotificationDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  /** A provider that records what it is given and what the database holds while it "sends". */
  function observingProvider() {
    const calls: { message: OutgoingMessage; openTransactions: number; lockingNotifications: number }[] = [];
    const provider: NotificationProvider = {
      channel: 'log',
      address: (contact) => contact.riderId,
      async send(message) {
        const { rows } = await database.pool.query<{ open: string; locking: string }>(
          `SELECT
             (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()) AS open,
             (SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'notifications' AND l.pid <> pg_backend_pid()) AS locking`,
        );
        calls.push({ message, openTransactions: Number(rows[0]?.open), lockingNotifications: Number(rows[0]?.locking) });
        return { providerMessageId: `observed-${message.idempotencyKey}` };
      },
    };
    return { provider, calls };
  }

  it('a provider receives the notification id as its idempotency key', async () => {
    const id = await pendingNotification(database);
    const { provider, calls } = observingProvider();
    await expect(dispatcherWith(database, provider).dispatchBatch()).resolves.toEqual(['sent']);
    expect(calls.map((call) => call.message.idempotencyKey)).toEqual([id]);
    expect(await notificationRow(database, id)).toEqual({ status: 'SENT', attempts: 1, provider_message_id: `observed-${id}` });
    expect(await notificationsSentEvents(database, id)).toBe(1);
  });

  it('no database transaction is open and no notification row locked while the provider sends', async () => {
    await pendingNotification(database);
    const { provider, calls } = observingProvider();
    await expect(dispatcherWith(database, provider).dispatchBatch()).resolves.toEqual(['sent']);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ openTransactions: 0, lockingNotifications: 0 });
  });
});

describe.each(['log', 'smtp'] as const)('with the built-in %s provider', (kind) => {
  let database: NotificationDatabase;
  let folder: string;

  beforeAll(async () => {
    database = await createNotificationDatabase();
    folder = mkdtempSync(join(tmpdir(), 'metrox-dispatch-'));
  });

  afterAll(async () => {
    await database.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  const smtpUrl = () => `smtp://127.0.0.1:${String(smtp.port)}?ignoreTLS=true`;
  const mailsFor = (id: string) => smtp.received.filter((mail) => mail.data.includes(`Message-ID: <${id}@metrox.local>`)).length;

  it('a notification is sent at most once even if the process dies between send and record', async () => {
    const id = await pendingNotification(database);
    const logFile = join(folder, 'dispatch.log');
    const logLines = (): Record<string, unknown>[] =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const child = spawnTethered('dispatch-process', process.execPath, [dispatchProcess], logFile, {
      ...process.env,
      DATABASE_URL: database.url,
      TEST_PROVIDER: kind,
      SMTP_URL: smtpUrl(),
      TEST_LEASE_MS: '1000',
      OTEL_SDK_DISABLED: 'true',
    });
    try {
      await eventually(
        () => Promise.resolve(logLines().some((line) => line.msg === 'sent, not recorded' && line.notificationId === id)),
        (seen) => seen,
        'the first process to send the notification',
      );
    } finally {
      await child.stop(); // the process dies where it is: sent, not recorded
    }
    expect(await notificationRow(database, id)).toMatchObject({ status: 'PENDING', attempts: 1 });
    const sentByFirst = logLines().filter((line) => line.msg === 'notification sent' && line.notificationId === id).length;

    // The service's next process: once the first one's claim expires, it sends with the same key.
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ serviceName: 'notification-test', serviceVersion: 'test', level: 'info', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
    const ledger = deliveryLedger(database.pool);
    const builtIn = kind === 'smtp' ? createSmtpProvider({ url: smtpUrl(), from: 'tickets@metrox.local', ledger }) : createLogProvider(logger, ledger);
    const keys: string[] = [];
    const provider: NotificationProvider = {
      channel: builtIn.channel,
      address: (contact) => builtIn.address(contact),
      send: (message) => {
        keys.push(message.idempotencyKey);
        return builtIn.send(message);
      },
    };
    const restarted = dispatcherWith(database, provider, logger);
    try {
      await eventually(
        async () => {
          await restarted.dispatchBatch();
          return (await notificationRow(database, id))?.status;
        },
        (status) => status === 'SENT',
        'the restarted dispatcher to record the notification',
      );
    } finally {
      await builtIn.close?.();
    }

    expect(keys).toEqual([id]);
    const delivered = kind === 'smtp' ? mailsFor(id) : sentByFirst + lines.filter((line) => line.msg === 'notification sent' && line.notificationId === id).length;
    expect(delivered).toBe(1);
    expect(await notificationRow(database, id)).toEqual({ status: 'SENT', attempts: 2, provider_message_id: kind === 'smtp' ? `<${id}@metrox.local>` : `log-${id}` });
    expect(await notificationsSentEvents(database, id)).toBe(1);
  });
});
