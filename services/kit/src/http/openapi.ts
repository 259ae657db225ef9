// What a route's response schemas say about errors. Every error is application/problem+json
// with the one shared ProblemDetails schema; the statuses the kit itself can answer on a
// route (validation, body parsing, an unexpected error, overload, shutdown) are added to each route's
// schema, so /openapi.json documents every status a client can get. Pure.
import type { FastifySchema } from 'fastify';
import { problemContentType, problemSchema } from './problem.ts';

export interface ResponseHeader {
  type: 'integer' | 'string';
  description: string;
  minimum?: number;
}

export interface ProblemResponse {
  description: string;
  headers?: Record<string, ResponseHeader>;
  content: Record<typeof problemContentType, { schema: { $ref: string } }>;
}

/** One problem+json response, for a route's `schema.response`, with the headers it may carry. */
export function problemResponse(description: string, headers?: Record<string, ResponseHeader>): ProblemResponse {
  return { description, ...(headers ? { headers } : {}), content: { [problemContentType]: { schema: { $ref: `${problemSchema.$id}#` } } } };
}

/**
 * The problems a route answers for its own reasons, by status, each with what it means
 * there: `response: { 200: …, ...problemResponses({ 404: 'No transaction has this id' }) }`.
 */
export function problemResponses(byStatus: Record<number, string>): Record<string, ProblemResponse> {
  return Object.fromEntries(Object.entries(byStatus).map(([status, description]) => [status, problemResponse(description)]));
}

// Methods fastify reads a request body for (the others never get a 413 or 415).
const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'QUERY']);

const kitProblems = {
  400: 'The request does not match this document (each input at fault is listed in `errors`), or its body is not well-formed',
  413: 'The request body is larger than the service accepts',
  415: 'The request body is not of a media type this operation accepts',
  500: 'An unexpected error; it was logged under this request id (x-request-id)',
  503: 'The service is overloaded and sheds the request (retry after `Retry-After` seconds), or it is shutting down (retry: another replica will answer)',
} as const;

// Sent with every overloaded answer (http/admission.ts); a 503 while shutting down has none.
const kitProblemHeaders: Partial<Record<keyof typeof kitProblems, Record<string, ResponseHeader>>> = {
  503: { 'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds to wait before retrying an overloaded service' } },
};

/** What fastify tells onRoute hooks about a route (the parts that decide its problems). */
export interface RouteShape {
  method: string | string[];
  url: string;
  schema: FastifySchema;
}

/**
 * The route's schema with a problem+json response for each status the kit may answer on
 * it, unless the route documents that status itself. A route that describes none of its
 * answers (no `schema.response`) is left as it is: it documents nothing to add to.
 */
export function withKitProblems(route: RouteShape): FastifySchema {
  const schema = route.schema;
  if (schema.response === undefined) return schema;
  const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((method) => method.toUpperCase());
  const readsBody = methods.some((method) => bodyMethods.has(method));
  const validates = [schema.body, schema.querystring, schema.params, schema.headers].some((part) => part !== undefined) || route.url.includes(':');
  const statuses: (keyof typeof kitProblems)[] = [];
  if (validates || readsBody) statuses.push(400);
  if (readsBody) statuses.push(413, 415);
  statuses.push(500, 503);
  const declared = schema.response as Record<string, unknown>;
  const added = Object.fromEntries(statuses.filter((status) => !(String(status) in declared)).map((status) => [String(status), problemResponse(kitProblems[status], kitProblemHeaders[status])]));
  return { ...schema, response: { ...declared, ...added } };
}
