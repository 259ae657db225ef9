// The domain events of MetroX: one zod schema per event type, the single source
// of truth for producers (validated before the outbox row is written) and
// consumers (validated before a handler runs; an invalid payload is dead-lettered).
import { z } from 'zod';

const id = z.string().min(1).max(200);
const timestamp = z.iso.datetime({ offset: true });
const cents = z.number().int().nonnegative();
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as INR');

export const PaymentMethod = z.enum(['upi', 'card', 'wallet']);
export type PaymentMethod = z.infer<typeof PaymentMethod>;

/** A rider bought a ticket; the transaction is PENDING until payment answers. */
export const TransactionCreated = z.object({
  transactionId: id,
  riderId: id,
  fromStation: id,
  toStation: id,
  paymentMethod: PaymentMethod,
  fareCents: cents,
  currency,
  createdAt: timestamp,
});

/** The gateway charged the fare. */
export const PaymentConfirmed = z.object({
  paymentId: id,
  transactionId: id,
  method: PaymentMethod,
  amountCents: cents,
  currency,
  confirmedAt: timestamp,
});

/** The gateway declined or errored; `reason` is safe to show to the rider. */
export const PaymentFailed = z.object({
  paymentId: id,
  transactionId: id,
  method: PaymentMethod,
  amountCents: cents,
  currency,
  reason: z.string().min(1).max(500),
  failedAt: timestamp,
});

/** How Notification reaches a rider; empty strings for what the rider has not given. */
export const RiderContact = z.object({
  displayName: z.string().max(200),
  email: z.string().max(320),
  phone: z.string().max(16),
});
export type RiderContact = z.infer<typeof RiderContact>;

/** The purchase reached its final state (the end of the saga). */
export const TransactionCompleted = z.object({
  transactionId: id,
  riderId: id,
  status: z.enum(['CONFIRMED', 'FAILED']),
  /** Set when status is FAILED. */
  reason: z.string().max(500).optional(),
  fromStation: id,
  toStation: id,
  fareCents: cents,
  currency,
  completedAt: timestamp,
  /**
   * The rider's contact as Transaction knew it at completion, so the rider can be told without
   * asking Transaction. Optional (added within version 1): producers before it omit it.
   */
  riderContact: RiderContact.optional(),
});

/** The rider was told about a payment outcome. */
export const NotificationSent = z.object({
  notificationId: id,
  transactionId: id,
  riderId: id,
  channel: z.enum(['sms', 'email', 'log']),
  outcome: z.enum(['CONFIRMED', 'FAILED']),
  sentAt: timestamp,
});

/**
 * Every event type with its schema and schema version. The version travels in the
 * envelope (`schemaversion`); bump it on a breaking change and keep the old schema
 * readable until no producer emits it.
 */
export const events = {
  TransactionCreated: { schema: TransactionCreated, version: 1 },
  PaymentConfirmed: { schema: PaymentConfirmed, version: 1 },
  PaymentFailed: { schema: PaymentFailed, version: 1 },
  TransactionCompleted: { schema: TransactionCompleted, version: 1 },
  NotificationSent: { schema: NotificationSent, version: 1 },
} as const;

export type EventType = keyof typeof events;
export type EventData<T extends EventType> = z.infer<(typeof events)[T]['schema']>;
export const eventTypes = Object.keys(events) as EventType[];

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(events, value);
}
