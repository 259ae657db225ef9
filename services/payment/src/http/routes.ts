// The operator-facing REST API of the payment service (read only).
import { HttpProblem, problemResponses, storableText, type Kit } from '@metrox/kit';
import { PaymentMethod } from '@metrox/contracts';
import type { FastifyInstance } from 'fastify';
import { findByTransaction, findPayment } from '../store/payments.ts';

const payment = {
  type: 'object',
  required: ['id', 'transactionId', 'method', 'amountCents', 'currency', 'status', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    transactionId: { type: 'string' },
    method: { type: 'string', enum: PaymentMethod.options },
    amountCents: { type: 'integer' },
    currency: { type: 'string' },
    status: { type: 'string', enum: ['CONFIRMED', 'FAILED', 'REFUNDED'] },
    failureReason: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const tags = ['payments'];

export function paymentRoutes(app: FastifyInstance, kit: Kit): void {
  app.get<{ Querystring: { transactionId: string } }>(
    '/v1/payments',
    {
      schema: {
        tags,
        summary: 'The payments of a transaction (at most one)',
        querystring: {
          type: 'object',
          required: ['transactionId'],
          additionalProperties: false,
          properties: { transactionId: storableText({ minLength: 1, maxLength: 200 }) },
        },
        response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: payment } } } },
      },
    },
    async (request) => {
      const found = await findByTransaction(kit.pool, request.query.transactionId);
      return { items: found ? [found] : [] };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/payments/:id',
    {
      schema: {
        tags,
        summary: 'A payment by id',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        response: { 200: payment, ...problemResponses({ 404: 'No payment has this id' }) },
      },
    },
    async (request) => {
      const found = await findPayment(kit.pool, request.params.id);
      if (!found) throw new HttpProblem(404, 'payment-not-found', 'Payment not found', `no payment ${request.params.id}`);
      return found;
    },
  );
}
