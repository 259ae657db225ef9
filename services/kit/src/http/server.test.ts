// The HTTP scaffold in memory (fastify's inject: no socket, no database): what every
// service answers for requests its routes do not take, and what /openapi.json says about it.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@metrox/telemetry';
import { createMetrics } from '../metrics/registry.ts';
import { problemResponses } from './openapi.ts';
import { HttpProblem } from './problem.ts';
import { createHttpServer } from './server.ts';
import { storableText } from './storable.ts';

interface OpenApiResponse {
  description: string;
  content?: Record<string, { schema: { $ref?: string } }>;
}
interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse> }>>;
  components: { schemas: Record<string, { required?: string[] }> };
}

const problemJson = 'application/problem+json; charset=utf-8';
let app: FastifyInstance;

/** The scaffold with a few routes of the usual kinds; `before` adds hooks while it still can. */
async function scaffold(before: (app: FastifyInstance) => void = () => undefined): Promise<FastifyInstance> {
  const logger = createLogger({ serviceName: 'http-test', serviceVersion: '1.0.0', level: 'silent' });
  const { app } = await createHttpServer({ serviceName: 'http-test', serviceVersion: '1.0.0', logger, metrics: createMetrics({ collectDefaults: false }), readiness: [] });
  app.get<{ Params: { id: string } }>(
    '/v1/things/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, response: { 200: { type: 'object' }, ...problemResponses({ 404: 'No thing has this id' }) } } },
    (request) => {
      throw new HttpProblem(404, 'thing-not-found', 'Thing not found', `no thing ${request.params.id}`);
    },
  );
  app.put('/v1/things/:id', { schema: { body: { type: 'object', properties: { name: storableText({ maxLength: 10 }) } }, response: { 204: { type: 'null' } } } }, (_request, reply) =>
    reply.code(204).send(),
  );
  app.get('/v1/plain', () => ({ plain: true }));
  app.get<{ Querystring: { limit: number } }>('/v1/count', { schema: { querystring: { type: 'object', properties: { limit: { type: 'integer' } } } } }, (request) => ({
    limit: request.query.limit,
  }));
  before(app);
  await app.ready();
  return app;
}

beforeEach(async () => {
  app = await scaffold();
});

afterEach(async () => {
  await app.close();
});

const openapi = async (): Promise<OpenApi> => (await app.inject({ url: '/openapi.json' })).json<OpenApi>();

describe('the HTTP scaffold', () => {
  it('answers a method no route declares on a known path with 405 problem+json and an Allow header listing the declared methods', async () => {
    for (const method of ['DELETE', 'POST', 'PATCH', 'OPTIONS', 'TRACE'] as const) {
      const response = await app.inject({ method, url: '/v1/things/6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f?x=1', headers: { 'content-type': 'text/plain' }, payload: 'not read' });
      expect({ method, status: response.statusCode, allow: response.headers.allow, type: response.headers['content-type'] }).toEqual({
        method,
        status: 405,
        allow: 'GET, HEAD, PUT',
        type: problemJson,
      });
      expect(response.json()).toMatchObject({ status: 405, type: 'https://metrox.dev/problems/method-not-allowed', detail: `${method} is not allowed on /v1/things/6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f; it allows GET, HEAD, PUT` });
    }
  });

  it('answers a path no route has with 404 problem+json and no Allow header', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/v1/nowhere' });
    expect({ status: response.statusCode, allow: response.headers.allow, type: response.headers['content-type'] }).toEqual({ status: 404, allow: undefined, type: problemJson });
  });

  it('serves validation, domain and media-type errors as problem+json with their extension members', async () => {
    const invalid = await app.inject({ url: '/v1/things/not-a-uuid' });
    expect({ status: invalid.statusCode, type: invalid.headers['content-type'] }).toEqual({ status: 400, type: problemJson });
    expect(invalid.json()).toMatchObject({ errors: [{ pointer: 'params#/id', detail: 'must match format "uuid"' }] });

    const missing = await app.inject({ url: '/v1/things/6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f' });
    expect({ status: missing.statusCode, type: missing.headers['content-type'] }).toEqual({ status: 404, type: problemJson });
    expect(missing.json()).toMatchObject({ type: 'https://metrox.dev/problems/thing-not-found', detail: 'no thing 6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f' });

    const xml = await app.inject({ method: 'PUT', url: '/v1/things/a', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect({ status: xml.statusCode, type: xml.headers['content-type'] }).toEqual({ status: 415, type: problemJson });
  });

  it('refuses text Postgres cannot store (a NUL character) with a 400 naming the field', async () => {
    const response = await app.inject({ method: 'PUT', url: '/v1/things/a', payload: { name: 'a\u0000b' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [{ pointer: 'body#/name' }] });
  });

  it('takes a JSON body as sent (null is not a string, 1 is not "1") and still reads numbers from the querystring', async () => {
    for (const name of [null, 1, true]) {
      const response = await app.inject({ method: 'PUT', url: '/v1/things/a', payload: { name } });
      expect({ name, status: response.statusCode }).toEqual({ name, status: 400 });
    }
    expect((await app.inject({ url: '/v1/count?limit=20' })).json()).toEqual({ limit: 20 });
  });

  it('answers a URL the router cannot take (bad percent-encoding, an overlong path parameter) with 400 problem+json', async () => {
    for (const url of ['/v1/things/%E0%A4%A', `/v1/things/${'x'.repeat(2_000)}`]) {
      const response = await app.inject({ url });
      expect({ status: response.statusCode, type: response.headers['content-type'] }).toEqual({ status: 400, type: problemJson });
    }
    const longButAllowed = await app.inject({ url: `/v1/things/${'x'.repeat(200)}` });
    expect(longButAllowed.json()).toMatchObject({ status: 400, errors: [{ pointer: 'params#/id', detail: 'must match format "uuid"' }] });
  });

  it('documents every error response as application/problem+json with the shared ProblemDetails schema', async () => {
    const document = await openapi();
    expect(document.components.schemas.ProblemDetails?.required).toEqual(['type', 'title', 'status']);
    const errors = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        Object.entries(operation.responses)
          .filter(([status]) => Number(status) >= 400)
          .map(([status, response]) => ({ where: `${method} ${path} ${status}`, content: response.content })),
      ),
    );
    expect(errors.length).toBeGreaterThan(0);
    for (const { where, content } of errors) {
      expect({ where, content }).toEqual({ where, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } } });
    }
  });

  it('documents on each route the statuses the kit can answer there, beside the route’s own', async () => {
    const statuses = (path: string, method: string) => Object.keys((document.paths[path]?.[method]?.responses ?? {})).sort();
    const document = await openapi();
    expect(statuses('/v1/things/{id}', 'get')).toEqual(['200', '400', '404', '500', '503']);
    expect(statuses('/v1/things/{id}', 'put')).toEqual(['204', '400', '413', '415', '500', '503']);
    expect(statuses('/readyz', 'get')).toEqual(['200', '500', '503']);
    expect(statuses('/healthz', 'get')).toEqual(['200', '500', '503']);
  });

  it('answers a request that arrives while the server closes with 503 problem+json', async () => {
    let arrived: { status: number; type: string | null } | undefined;
    const closing = await scaffold((app) => {
      // Runs after the scaffold's own preClose hook, while the server still listens.
      app.addHook('preClose', async () => {
        const response = await fetch(`${origin}/v1/plain`);
        arrived = { status: response.status, type: response.headers.get('content-type') };
      });
    });
    const origin = await closing.listen({ host: '127.0.0.1', port: 0 });
    await closing.close();
    expect(arrived).toEqual({ status: 503, type: problemJson });
  });
});

describe('the metrics endpoint', () => {
  it('is served where METRICS_PATH (spec.observability.metrics.path) says, and only there', async () => {
    const logger = createLogger({ serviceName: 'http-test', serviceVersion: '1.0.0', level: 'silent' });
    const { app: server } = await createHttpServer({
      serviceName: 'http-test', serviceVersion: '1.0.0', logger, metrics: createMetrics({ collectDefaults: false }), readiness: [], metricsPath: '/internal/prometheus',
    });
    try {
      const served = await server.inject({ url: '/internal/prometheus' });
      expect(served.statusCode).toBe(200);
      expect(served.body).toContain('http_server_request_duration_seconds');
      expect((await server.inject({ url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await server.close();
    }
  });
});
