// The operator-facing REST API of the notification service (read only).
import { storableText, type Kit } from '@metrox/kit';
import type { FastifyInstance } from 'fastify';
import { listByTransactions } from '../store/notifications.ts';

const text = { type: ['string', 'null'] } as const;

const notification = {
  type: 'object',
  required: ['id', 'transactionId', 'outcome', 'status', 'attempts', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    transactionId: { type: 'string' },
    outcome: { type: 'string', enum: ['CONFIRMED', 'FAILED'] },
    failureReason: text,
    status: { type: 'string', enum: ['PENDING', 'SENT', 'UNDELIVERABLE'], description: 'PENDING until sent; retried while Transaction or the provider is unreachable' },
    riderId: text,
    channel: { type: ['string', 'null'], enum: ['sms', 'email', 'log', null] },
    recipient: text,
    subject: text,
    body: text,
    attempts: { type: 'integer' },
    lastError: text,
    createdAt: { type: 'string', format: 'date-time' },
    sentAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export function notificationRoutes(app: FastifyInstance, kit: Kit): void {
  app.get<{ Querystring: { transactionId: string[] } }>(
    '/v1/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'What riders were (or are about to be) told about transactions',
        description: 'Repeat transactionId (up to 100) to ask about several transactions in one request; items are ordered by transaction, then creation.',
        querystring: {
          type: 'object',
          required: ['transactionId'],
          additionalProperties: false,
          properties: {
            transactionId: { type: 'array', minItems: 1, maxItems: 100, items: storableText({ minLength: 1, maxLength: 200 }) },
          },
        },
        response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: notification } } } },
      },
    },
    async (request) => ({ items: await listByTransactions(kit.pool, request.query.transactionId) }),
  );
}
