// The HTTP scaffold: fastify with request ids, schema-driven validation and OpenAPI,
// problem+json errors, admission control, RED metrics, /healthz, /readyz, /metrics and
// /openapi.json.
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { KitMetrics } from '../metrics/registry.ts';
import { observeWithExemplar } from '../metrics/registry.ts';
import { noAdmissionLimits, registerAdmission, type AdmissionLimits } from './admission.ts';
import { noFaults, registerFaults, type HttpFaults } from './faults.ts';
import { answerMethodNotAllowed } from './method-not-allowed.ts';
import { problemResponse, withKitProblems } from './openapi.ts';
import { problemContentType, problemSchema, toProblem } from './problem.ts';
import { bodyExactValidator } from './validation.ts';

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
  /** Admission control (HTTP_MAX_*); no limits by default. */
  admission?: AdmissionLimits;
  /** Callers waiting for a pooled database connection, one of admission control's signals. */
  poolWaiting?: () => number;
  /** Where Prometheus scrapes (METRICS_PATH, from spec.observability.metrics.path); /metrics by default. */
  metricsPath?: string;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
/** Routes for the platform, not for users: no access log, no faults, no part of any SLI. */
export const plumbingRoutes = ['/healthz', '/readyz', '/metrics', '/openapi.json'] as const;

const probes = ['probes'];
const healthy = { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } as const;
const ready = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready'] },
    checks: { type: 'object', description: 'Each dependency and whether it answers', additionalProperties: { type: 'boolean' } },
  },
} as const;

/** Fastify's frameworkErrors: a request the router could not take, answered as a problem. */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_ASYNC_CONSTRAINT' ? 500 : 400;
  const problem = toProblem({ statusCode: status, code: error.code, message: error.message }, request.url);
  void reply.code(problem.status).type(problemContentType).send(problem);
}

export interface HttpServer {
  app: FastifyInstance;
  /** Marks the server not ready (during shutdown) so load balancers stop sending traffic. */
  setDraining(): void;
  /** Requests admitted and not yet answered (plumbing not counted). */
  inFlight: () => number;
}

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const metricsPath = options.metricsPath ?? '/metrics';
  const plumbing: ReadonlySet<string> = new Set([...plumbingRoutes, metricsPath]);
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
    // Fastify's own 503 while closing is plain JSON: the onRequest hook below answers
    // problem+json instead, like every other error.
    return503OnClosing: false,
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
    schemaController: { compilersFactory: { buildValidator: bodyExactValidator() } },
    // Fastify's default (100) is shorter than some path parameters the schemas allow
    // (a 200-character rider id): let the schemas decide, with their 400.
    routerOptions: { maxParamLength: 1_000 },
    // A URL the router cannot take (bad percent-encoding, a path segment longer than even
    // that) is the client's malformed input: a 400 problem, not fastify's plain JSON.
    frameworkErrors: answerFrameworkError,
  });

  let draining = false;
  let closing = false;

  app.addSchema(problemSchema);
  // Before any route (and before @fastify/swagger reads them): every route documents the
  // problems the kit may answer on it.
  app.addHook('onRoute', (route) => {
    if (route.schema) route.schema = withKitProblems({ method: route.method, url: route.url, schema: route.schema });
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.serviceName, version: options.serviceVersion, ...(options.description ? { description: options.description } : {}) },
    },
    hideUntagged: false,
    // Shared schemas keep their $id as their name under components/schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  // Registered after the OpenTelemetry hook, so these lines carry the request's trace id.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (!plumbing.has(request.url)) request.log.info({ req: request }, 'incoming request');
  });

  // Once close() has begun, a request that still arrives (on a kept-alive connection) is
  // turned away; those already in their handler finish.
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    return reply
      .code(503)
      .header('connection', 'close')
      .type(problemContentType)
      .send({ ...toProblem({ statusCode: 503 }, request.url), detail: 'shutting down' });
  });

  // Early, so an excess request costs no more than its access log lines and its 503.
  const admission = registerAdmission(app, {
    limits: options.admission ?? noAdmissionLimits,
    metrics,
    exempt: plumbing,
    ...(options.poolWaiting ? { poolWaiting: options.poolWaiting } : {}),
  });

  answerMethodNotAllowed(app);

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

  app.get('/healthz', { schema: { tags: probes, summary: 'Liveness: the process answers', response: { 200: healthy } } }, () =>
    Promise.resolve({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: probes,
        summary: 'Readiness: every dependency answers and the service is not shutting down',
        response: { 200: ready, 503: problemResponse('Not ready: `checks` names what is down, or the service is shutting down') },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(options.readiness.map(async ({ name, check }) => [name, await check().catch(() => false)] as const));
      const failing = results.filter(([, ok]) => !ok).map(([name]) => name);
      if (draining) failing.push('shutting down');
      if (failing.length === 0) return { status: 'ready' as const, checks: Object.fromEntries(results) };
      return reply
        .code(503)
        .type(problemContentType)
        .send({ ...toProblem({ statusCode: 503 }), detail: `not ready: ${failing.join(', ')}`, checks: Object.fromEntries(results) });
    },
  );

  app.get(metricsPath, { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/openapi.json', { schema: { hide: true } }, () => Promise.resolve(app.swagger()));

  return {
    app,
    setDraining: () => {
      draining = true;
    },
    inFlight: admission.inFlight,
  };
}
