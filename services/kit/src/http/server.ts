// The HTTP scaffold: fastify with request ids, schema-driven validation and OpenAPI,
// problem+json errors, RED metrics, /healthz, /readyz, /metrics and /openapi.json.
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { KitMetrics } from '../metrics/registry.ts';
import { observeWithExemplar } from '../metrics/registry.ts';
import { noFaults, registerFaults, type HttpFaults } from './faults.ts';
import { problemContentType, toProblem } from './problem.ts';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean>;
}

export interface HttpServerOptions {
  serviceName: string;
  serviceVersion: string;
  logger: Logger;
  metrics: KitMetrics;
  readiness: ReadinessCheck[];
  /** OpenAPI description of the service. */
  description?: string;
  /** Fault knobs (FAULT_HTTP_*); none by default. */
  faults?: HttpFaults;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
/** Routes for the platform, not for users: no access log, no faults, no part of any SLI. */
export const plumbingRoutes = ['/healthz', '/readyz', '/metrics', '/openapi.json'] as const;
const plumbing: ReadonlySet<string> = new Set(plumbingRoutes);

export interface HttpServer {
  app: FastifyInstance;
  /** Marks the server not ready (during shutdown) so load balancers stop sending traffic. */
  setDraining(): void;
}

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { logger, metrics } = options;
  // Explicit type arguments stop inference from the pino logger, so routes and plugins
  // see the plain FastifyInstance.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-arguments
  const app = Fastify<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger>({
    loggerInstance: logger,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
    // Fastify's own "incoming request" line is written before any hook runs, so outside
    // the request's span: the access lines are logged from hooks below instead.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    // Keep-alive sockets would otherwise hold close() open until they time out.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });

  let draining = false;

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.serviceName, version: options.serviceVersion, ...(options.description ? { description: options.description } : {}) },
    },
    hideUntagged: false,
  });

  // Registered after the OpenTelemetry hook, so these lines carry the request's trace id.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (!plumbing.has(request.url)) request.log.info({ req: request }, 'incoming request');
  });

  // While draining, responses close their connection: a keep-alive socket that was busy
  // when close() began would otherwise hold shutdown open until its idle timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });

  app.addHook('onResponse', async (request, reply) => {
    if (!plumbing.has(request.url)) request.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    observeWithExemplar(
      metrics.httpServerDuration,
      {
        http_request_method: request.method,
        http_route: request.routeOptions.url ?? '',
        http_response_status_code: reply.statusCode,
      },
      reply.elapsedTime / 1_000,
    );
  });

  registerFaults(app, options.faults ?? noFaults, plumbing);

  app.setErrorHandler(async (error, request, reply) => {
    const problem = toProblem(error, request.url);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status: problem.status, problem: problem.type }, 'request rejected');
    return reply.code(problem.status).type(problemContentType).send(problem);
  });

  app.setNotFoundHandler(async (request, reply) => {
    return reply
      .code(404)
      .type(problemContentType)
      .send(toProblem({ statusCode: 404, code: 'FST_ERR_NOT_FOUND', message: `${request.method} ${request.url} does not exist` }, request.url));
  });

  app.get('/healthz', { schema: { hide: true } }, () => Promise.resolve({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const results = await Promise.all(options.readiness.map(async ({ name, check }) => [name, await check().catch(() => false)] as const));
    const failing = results.filter(([, ok]) => !ok).map(([name]) => name);
    if (draining) failing.push('shutting down');
    if (failing.length === 0) return { status: 'ready', checks: Object.fromEntries(results) };
    return reply
      .code(503)
      .type(problemContentType)
      .send({ ...toProblem({ statusCode: 503 }), detail: `not ready: ${failing.join(', ')}`, checks: Object.fromEntries(results) });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/openapi.json', { schema: { hide: true } }, () => Promise.resolve(app.swagger()));

  return {
    app,
    setDraining: () => {
      draining = true;
    },
  };
}
