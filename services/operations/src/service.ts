// The operations service: projections of every domain event for dashboards, a live
// gRPC feed, and business metrics for Prometheus.
import type { FastifyInstance } from 'fastify';
import type { GrpcServer, Kit, ServiceDefinition } from '@metrox/kit';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { projectionBatchOptions, projectionHandlers, projectionPrefetch } from './events/project.ts';
import { operationsGrpc } from './grpc/operations-service.ts';
import { operationsRoutes } from './http/routes.ts';
import { countEvent, createBusinessMetrics } from './live/business-metrics.ts';
import { EventFeed } from './live/event-feed.ts';
import { operationsDeclaration } from './declaration.ts';

const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function operationsService(env: NodeJS.ProcessEnv = process.env): ServiceDefinition {
  const business = createBusinessMetrics();
  const origin = randomUUID();
  // Created with the kit's pool in `routes` (the first hook), used by gRPC.
  let feed: EventFeed | undefined;
  return {
    declaration: operationsDeclaration,
    version: packageVersion,
    description: 'MetroX operations: projections of every event for dashboards, a live feed, business metrics.',
    migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
    routes: async (app: FastifyInstance, kit: Kit) => {
      for (const metric of business.all) kit.metrics.registry.registerMetric(metric);
      const live = new EventFeed({ origin, pool: kit.pool, logger: kit.logger, onAppliedHere: (event) => { countEvent(business, event); } });
      await live.start();
      feed = live;
      app.addHook('onClose', () => live.close());
      operationsRoutes(app, kit);
    },
    grpc: (server: GrpcServer, kit: Kit) => {
      if (!feed) throw new Error('the event feed starts with the routes');
      operationsGrpc(feed)(server, kit);
    },
    events: { handlers: projectionHandlers(origin), prefetch: projectionPrefetch, batch: projectionBatchOptions(origin) },
    env,
  };
}
