// The rider-facing REST API of the transaction service.
import type { Kit } from '@metrox/kit';
import { HttpProblem, problemResponses } from '@metrox/kit';
import type { EventData } from '@metrox/contracts';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { decodeCursor, encodeCursor } from '../domain/cursor.ts';
import { fingerprint, type PurchaseRequest } from '../domain/purchase-request.ts';
import { quoteFare } from '../network/fare.ts';
import type { FareNetwork } from '../network/network.ts';
import {
  findByIdempotencyKey,
  findTransaction,
  insertPurchase,
  listByRider,
  publicView,
  upsertRider,
  type StoredTransaction,
} from '../store/transactions.ts';
import * as schemas from './schemas.ts';

const tags = ['transactions'];

export function transactionRoutes(network: FareNetwork) {
  return (app: FastifyInstance, kit: Kit): void => {
    app.post<{ Body: PurchaseRequest; Headers: { 'idempotency-key': string } }>(
      '/v1/transactions',
      {
        schema: {
          tags,
          summary: 'Buy a ticket',
          description: 'Creates a PENDING purchase and asks Payment to charge it. Honors Idempotency-Key.',
          headers: schemas.idempotencyHeaders,
          body: schemas.purchaseBody(network),
          response: {
            201: { ...schemas.transaction, headers: schemas.purchaseHeaders },
            ...problemResponses({
              422: 'An unknown station or the same station twice (`errors` names each field), or an Idempotency-Key first used for another purchase',
            }),
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const key = request.headers['idempotency-key'];
        const quote = quoteFare(network, body.fromStation, body.toStation);
        if (!quote.ok) {
          throw new HttpProblem(422, 'unknown-station', 'Unknown station', quote.problems.map((p) => p.message).join('; '), {
            errors: quote.problems.map((p) => ({ pointer: `body#/${p.field}`, detail: p.message })),
          });
        }
        const requestFingerprint = fingerprint(body);
        const result = await kit.withTransaction(async (tx) => {
          const created = await insertPurchase(tx, {
            id: randomUUID(),
            riderId: body.riderId,
            fromStation: quote.quote.from.id,
            toStation: quote.quote.to.id,
            paymentMethod: body.paymentMethod,
            fareCents: quote.quote.fareCents,
            currency: quote.quote.currency,
            idempotencyKey: key,
            requestFingerprint,
          });
          if (created) {
            await kit.publish(tx, 'TransactionCreated', transactionCreated(created), { subject: created.id });
            return { transaction: created, replayed: false };
          }
          const existing = await findByIdempotencyKey(tx, key);
          if (!existing) throw new Error(`Idempotency-Key ${key} conflicted but no purchase holds it`);
          return { transaction: existing, replayed: true };
        });
        if (result.replayed && result.transaction.requestFingerprint !== requestFingerprint) {
          throw new HttpProblem(
            422,
            'idempotency-key-reused',
            'Idempotency-Key reused with a different request',
            `Idempotency-Key "${key}" was first used for another purchase (${result.transaction.id}); use a new key for a new purchase`,
          );
        }
        if (result.replayed) void reply.header('idempotent-replayed', 'true');
        return reply.code(201).header('location', `/v1/transactions/${result.transaction.id}`).send(publicView(result.transaction));
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/transactions/:id',
      {
        schema: {
          tags,
          summary: 'A purchase and its status',
          params: schemas.idParams,
          response: { 200: schemas.transaction, ...problemResponses({ 404: 'No purchase has this id' }) },
        },
      },
      async (request) => {
        const found = await findTransaction(kit.pool, request.params.id);
        if (!found) throw new HttpProblem(404, 'transaction-not-found', 'Transaction not found', `no transaction ${request.params.id}`);
        return publicView(found);
      },
    );

    app.get<{ Querystring: { riderId: string; limit: number; cursor?: string } }>(
      '/v1/transactions',
      {
        schema: {
          tags,
          summary: "A rider's purchases, newest first",
          querystring: schemas.listQuery,
          response: { 200: schemas.transactionPage, ...problemResponses({ 422: 'The cursor is not one this API returned' }) },
        },
      },
      async (request) => {
        const { riderId, limit, cursor } = request.query;
        const after = cursor === undefined ? undefined : decodeCursor(cursor);
        if (cursor !== undefined && !after) {
          throw new HttpProblem(422, 'invalid-cursor', 'Invalid cursor', 'cursor is not one this API returned; start again without it');
        }
        const rows = await listByRider(kit.pool, riderId, limit + 1, after);
        const items = rows.slice(0, limit);
        const last = items.at(-1);
        return {
          items: items.map(publicView),
          nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
        };
      },
    );

    app.put<{ Params: { riderId: string }; Body: { displayName: string; email: string; phone: string } }>(
      '/v1/riders/:riderId',
      {
        schema: {
          tags: ['riders'],
          summary: 'Set how to reach a rider (used for notifications)',
          params: schemas.riderParams,
          body: schemas.riderBody,
          response: { 200: schemas.rider },
        },
      },
      async (request) => upsertRider(kit.pool, { id: request.params.riderId, ...request.body }),
    );

    app.get(
      '/v1/stations',
      { schema: { tags: ['network'], summary: 'The stations tickets can be bought for', response: { 200: schemas.stations } } },
      () => ({ network: network.name, currency: network.currency, stations: network.stations }),
    );
  };
}

export function transactionCreated(transaction: StoredTransaction): EventData<'TransactionCreated'> {
  return {
    transactionId: transaction.id,
    riderId: transaction.riderId,
    fromStation: transaction.fromStation,
    toStation: transaction.toStation,
    paymentMethod: transaction.paymentMethod,
    fareCents: transaction.fareCents,
    currency: transaction.currency,
    createdAt: transaction.createdAt,
  };
}
