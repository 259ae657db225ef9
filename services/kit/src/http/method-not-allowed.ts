// 405 Method Not Allowed, with the `Allow` header RFC 9110 requires, for a method no
// route declares on a path that has routes. Fastify answers those 404 (the path "does not
// exist" for that method); a client is better told which methods the path does have.
import type { FastifyInstance } from 'fastify';
import { HttpProblem, problemContentType, toProblem } from './problem.ts';

/** The methods that have a route matching `path` (a request path, without its query). */
export function allowedMethods(app: FastifyInstance, path: string): string[] {
  return app.supportedMethods
    .filter((method) => {
      // Typed as always found; it is null when no route matches.
      const found: unknown = app.findRoute({ method, url: path });
      return found !== null;
    })
    .sort();
}

/**
 * Answers unmatched requests on known paths with 405 before their body is read. Added as
 * an onRequest hook: fastify parses a body (and may refuse it) before a not-found handler runs.
 */
export function answerMethodNotAllowed(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?', 1)[0] ?? request.url;
    const allowed = allowedMethods(app, path);
    if (allowed.length === 0) return;
    const problem = new HttpProblem(405, 'method-not-allowed', 'Method Not Allowed', `${request.method} is not allowed on ${path}; it allows ${allowed.join(', ')}`);
    return reply.code(405).header('allow', allowed.join(', ')).type(problemContentType).send(toProblem(problem, request.url));
  });
}
