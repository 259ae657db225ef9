import { defineService } from '@metrox/contracts/declaration';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import type { Handlers } from './messaging/inbox.ts';
import { createService } from './service.ts';
import { declarationMismatches, mismatchMessage } from './declaration-check.ts';

const declaration = defineService({
  name: 'notification',
  ports: { http: 8083, grpc: 50054 },
  events: { publishes: ['NotificationSent'], consumes: ['PaymentConfirmed', 'PaymentFailed'] },
  peers: ['transaction'],
});
const handled = ['PaymentConfirmed', 'PaymentFailed'];

/** What the operator renders for this declaration's MetroXService, as the kit parses it. */
function injected(overrides: NodeJS.ProcessEnv = {}) {
  return loadConfig({ name: 'notification' }, {
    POD_NAMESPACE: 'metrox',
    SERVICE_NAME: 'notification',
    PORT: '8083',
    GRPC_PORT: '50054',
    METRICS_PATH: '/metrics',
    METROX_QUEUE: 'notification',
    METROX_SUBSCRIBED_EVENTS: 'PaymentFailed,PaymentConfirmed',
    METROX_PUBLISHED_EVENTS: 'NotificationSent',
    TRANSACTION_GRPC_ADDRESS: 'transaction.metrox.svc:50051',
    ...overrides,
  }).injected;
}

const check = (overrides: NodeJS.ProcessEnv = {}, handlers: readonly string[] = handled) =>
  declarationMismatches({ declaration, handled: handlers, consumer: 'notification' }, injected(overrides));

describe('declarationMismatches', () => {
  it('finds nothing when the rendered environment is what the declaration says, in any order', () => {
    expect(check()).toEqual([]);
  });

  it('finds nothing outside a Pod with no operator variables (local processes on free ports)', () => {
    const local = loadConfig({ name: 'notification' }, { PORT: '40000', GRPC_PORT: '40001' }).injected;
    expect(declarationMismatches({ declaration, handled, consumer: 'notification-1a2b' }, local)).toEqual([]);
  });

  it('names a subscribed event the code does not consume', () => {
    expect(check({ METROX_SUBSCRIBED_EVENTS: 'PaymentConfirmed,PaymentFailed,TransactionCreated' })).toEqual([
      'METROX_SUBSCRIBED_EVENTS is PaymentConfirmed, PaymentFailed, TransactionCreated but notification consumes PaymentConfirmed, PaymentFailed',
    ]);
  });

  it('reads a wired broker without METROX_PUBLISHED_EVENTS as publishing nothing (the operator leaves empty lists out)', () => {
    expect(check({ METROX_PUBLISHED_EVENTS: undefined })).toEqual(['METROX_PUBLISHED_EVENTS is nothing but notification publishes NotificationSent']);
  });

  it('names another metrics path, another queue and other ports', () => {
    expect(check({ METRICS_PATH: '/stats', METROX_QUEUE: 'other', PORT: '9000', GRPC_PORT: undefined })).toEqual([
      'METROX_QUEUE is other but the service consumes from notification',
      'METRICS_PATH is /stats but notification declares /metrics',
      'PORT is 9000 but notification declares HTTP port 8083',
      'GRPC_PORT is not set but notification declares gRPC port 50054',
    ]);
  });

  it('names a declared peer whose address was not rendered, and a rendered peer the code does not call', () => {
    expect(check({ TRANSACTION_GRPC_ADDRESS: undefined, PAYMENT_GRPC_ADDRESS: 'payment.metrox.svc:50052' })).toEqual([
      'TRANSACTION_GRPC_ADDRESS not set: notification calls transaction (spec.peers lacks them)',
      'PAYMENT_GRPC_ADDRESS set but notification calls transaction (spec.peers names a peer the code does not call)',
    ]);
  });

  it('names handlers that differ from the consumed events', () => {
    expect(check({}, ['PaymentConfirmed'])).toEqual(['the handlers take PaymentConfirmed but the declaration consumes PaymentConfirmed, PaymentFailed']);
  });

  it('types the handler map against the declaration: one handler per consumed event, no more, no fewer', () => {
    const handle = () => Promise.resolve();
    const exact: Handlers<typeof declaration> = { PaymentConfirmed: handle, PaymentFailed: handle };
    // @ts-expect-error PaymentFailed is consumed and has no handler
    const missing: Handlers<typeof declaration> = { PaymentConfirmed: handle };
    // @ts-expect-error TransactionCreated is not consumed
    const extra: Handlers<typeof declaration> = { PaymentConfirmed: handle, PaymentFailed: handle, TransactionCreated: handle };
    expect([exact, missing, extra].map((handlers) => Object.keys(handlers).length)).toEqual([2, 1, 3]);
  });

  it('makes one line naming the service and every mismatch', () => {
    expect(mismatchMessage('notification', ['a', 'b'])).toBe('refusing to start: the MetroXService of notification does not match its declaration: a; b');
  });
});

describe('createService with a declaration', () => {
  it('refuses to start, before touching Postgres or the broker, when the operator subscribed it to events it does not consume', async () => {
    const handle = () => Promise.resolve();
    const starting = createService({
      declaration,
      env: { LOG_LEVEL: 'silent', METROX_QUEUE: 'notification', METROX_SUBSCRIBED_EVENTS: 'PaymentConfirmed', METROX_PUBLISHED_EVENTS: 'NotificationSent' },
      events: { handlers: { PaymentConfirmed: handle, PaymentFailed: handle } },
    });
    await expect(starting).rejects.toThrow(
      'refusing to start: the MetroXService of notification does not match its declaration: METROX_SUBSCRIBED_EVENTS is PaymentConfirmed but notification consumes PaymentConfirmed, PaymentFailed',
    );
  });
});
