// Request validation as the document states it. Fastify's Ajv coerces types in every part
// of a request: right for a querystring, a path or a header, which are text ("20" is the
// integer 20), wrong for a JSON body, whose values have types of their own: coerced, `null`
// passes as "" and 1 as "1", so a body the schema refuses would be accepted.
import { AjvCompiler, type BuildCompilerFromPool } from '@fastify/ajv-compiler';

type Compile = ReturnType<BuildCompilerFromPool>;
/** What fastify passes a validator compiler: one part of one route. */
interface RoutePart {
  schema: unknown;
  method: string;
  url: string;
  httpPart?: string;
}

/** For fastify's `schemaController.compilersFactory.buildValidator`: bodies exactly, the rest coerced. */
export function bodyExactValidator(): BuildCompilerFromPool {
  const pool = AjvCompiler();
  return (externalSchemas, options = {}) => {
    const coercing = pool(externalSchemas, options);
    const exact = pool(externalSchemas, { ...options, mode: undefined, customOptions: { ...options.customOptions, coerceTypes: false } });
    // Typed as Ajv's compile(schema); fastify calls it with the route part to validate.
    const compile = (part: RoutePart) => (part.httpPart === 'body' ? exact : coercing)(part as never);
    return compile as unknown as Compile;
  };
}
