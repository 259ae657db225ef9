// JSON schemas of the public REST API: they drive validation, serialization and /openapi.json.
import { PaymentMethod } from '@metrox/contracts';

export const riderId = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:@-]+$' } as const;
const stationId = { type: 'string', minLength: 1, maxLength: 100 } as const;
const timestamp = { type: 'string', format: 'date-time' } as const;

export const purchaseBody = {
  type: 'object',
  required: ['riderId', 'fromStation', 'toStation', 'paymentMethod'],
  additionalProperties: false,
  properties: {
    riderId,
    fromStation: { ...stationId, description: 'Station id, see GET /v1/stations' },
    toStation: stationId,
    paymentMethod: { type: 'string', enum: PaymentMethod.options },
  },
} as const;

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
    cursor: { type: 'string', minLength: 1, maxLength: 500 },
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
    displayName: { type: 'string', maxLength: 200, default: '' },
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

export const problem = {
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json)',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, detail: { type: 'string' } } } },
  },
} as const;
