// JSON schemas of the public REST API: they drive validation, serialization and /openapi.json.
// Strings that reach Postgres are built with storableText (bounded, no NUL), or have a
// stricter pattern of their own.
import { PaymentMethod } from '@metrox/contracts';
import { storableText } from '@metrox/kit';
import type { FareNetwork } from '../network/network.ts';

export const riderId = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:@-]+$' } as const;
const stationId = storableText({ minLength: 1, maxLength: 100 });
const timestamp = { type: 'string', format: 'date-time' } as const;

/** The purchase body; its example (first station to last on `network`) can be sent as it is. */
export function purchaseBody(network: Pick<FareNetwork, 'stations'>) {
  const first = network.stations.at(0)?.id;
  const last = network.stations.at(-1)?.id;
  return {
    type: 'object',
    required: ['riderId', 'fromStation', 'toStation', 'paymentMethod'],
    additionalProperties: false,
    properties: {
      riderId,
      fromStation: { ...stationId, description: 'Station id, see GET /v1/stations' },
      toStation: stationId,
      paymentMethod: { type: 'string', enum: PaymentMethod.options },
    },
    ...(first && last ? { examples: [{ riderId: 'rider-1', fromStation: first, toStation: last, paymentMethod: 'upi' }] } : {}),
  } as const;
}

export const idempotencyHeaders = {
  type: 'object',
  required: ['idempotency-key'],
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'A client-chosen key (e.g. a UUID); retrying with the same key and body returns the same purchase',
    },
  },
} as const;

export const transaction = {
  type: 'object',
  required: ['id', 'riderId', 'fromStation', 'toStation', 'paymentMethod', 'fareCents', 'currency', 'status', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    riderId: { type: 'string' },
    fromStation: { type: 'string' },
    toStation: { type: 'string' },
    paymentMethod: { type: 'string', enum: PaymentMethod.options },
    fareCents: { type: 'integer', description: 'Fare in the minor unit of the currency (paise for INR)' },
    currency: { type: 'string' },
    status: { type: 'string', enum: ['PENDING', 'CONFIRMED', 'FAILED'] },
    failureReason: { type: ['string', 'null'], description: 'Why the payment failed, when status is FAILED' },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
} as const;

export const purchaseHeaders = {
  location: { type: 'string', description: 'Where the purchase can be read: /v1/transactions/{id}' },
  'idempotent-replayed': { type: 'string', enum: ['true'], description: 'Present when the Idempotency-Key was seen before: this is the purchase it created' },
} as const;

export const transactionPage = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: transaction },
    nextCursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last page' },
  },
} as const;

export const listQuery = {
  type: 'object',
  required: ['riderId'],
  additionalProperties: false,
  properties: {
    riderId,
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', minLength: 1, maxLength: 500, pattern: '^[A-Za-z0-9_-]+$', description: 'The `nextCursor` of the previous page' },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

export const riderParams = {
  type: 'object',
  required: ['riderId'],
  properties: { riderId },
} as const;

export const riderBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    displayName: { ...storableText({ maxLength: 200 }), default: '' },
    email: { anyOf: [{ type: 'string', format: 'email', maxLength: 320 }, { type: 'string', maxLength: 0 }], default: '' },
    phone: { type: 'string', pattern: '^(\\+[1-9][0-9]{6,14})?$', default: '', description: 'E.164, e.g. +919876543210' },
  },
} as const;

export const rider = {
  type: 'object',
  required: ['id', 'displayName', 'email', 'phone'],
  properties: { id: { type: 'string' }, displayName: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' } },
} as const;

export const stations = {
  type: 'object',
  required: ['network', 'currency', 'stations'],
  properties: {
    network: { type: 'string' },
    currency: { type: 'string' },
    stations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'zone'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, zone: { type: 'integer' } },
      },
    },
  },
} as const;
