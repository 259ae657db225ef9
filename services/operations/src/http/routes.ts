// The operator-facing REST API: the summary dashboards poll and the recent event log.
import { eventTypes } from '@metrox/contracts';
import type { Kit } from '@metrox/kit';
import type { FastifyInstance } from 'fastify';
import { readSummaryRows, recentEvents } from '../projections/apply.ts';
import { buildSummary } from '../projections/summary.ts';

const count = { type: 'integer' } as const;
const ratio = { type: ['number', 'null'], description: 'confirmed / (confirmed + failed); null before the first payment' } as const;

const summarySchema = {
  type: 'object',
  properties: {
    stations: {
      type: 'array',
      description: 'Confirmed tickets and revenue per departure station, highest revenue first',
      items: { type: 'object', properties: { station: { type: 'string' }, ticketsSold: count, revenueCents: count, currency: { type: 'string' } } },
    },
    revenue: {
      type: 'array',
      items: { type: 'object', properties: { currency: { type: 'string' }, revenueCents: count, ticketsSold: count } },
    },
    payments: {
      type: 'object',
      properties: {
        confirmed: count,
        failed: count,
        successRatio: ratio,
        byMethod: {
          type: 'array',
          items: { type: 'object', properties: { method: { type: 'string' }, confirmed: count, failed: count, successRatio: ratio } },
        },
      },
    },
    purchases: {
      type: 'object',
      properties: { inFlight: { ...count, description: 'Created and not yet completed' }, confirmed: count, failed: count },
    },
    generatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const tags = ['operations'];

export function operationsRoutes(app: FastifyInstance, kit: Kit): void {
  app.get(
    '/v1/operations/summary',
    { schema: { tags, summary: 'Sales and revenue per station, payment success ratio, in-flight purchases', response: { 200: summarySchema } } },
    async () => {
      const rows = await readSummaryRows(kit.pool);
      return buildSummary(rows.stations, rows.outcomes, rows.purchases, new Date());
    },
  );

  app.get<{ Querystring: { limit: number; type?: string } }>(
    '/v1/operations/events',
    {
      schema: {
        tags,
        summary: 'The most recent events applied (the shift log), newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, type: { type: 'string', enum: eventTypes } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    type: { type: 'string' },
                    source: { type: 'string' },
                    time: { type: 'string', format: 'date-time' },
                    transactionId: { type: ['string', 'null'] },
                    data: { type: 'object', additionalProperties: true },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => ({ items: await recentEvents(kit.pool, request.query.limit, request.query.type) }),
  );
}
