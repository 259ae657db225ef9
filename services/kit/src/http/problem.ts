// RFC 9457 problem details. Pure: an error in, the response a client may see out.
// A client never sees a stack trace, and bad input is never reported as a 5xx.
import { isDatabaseUnavailable } from '../db/unavailable.ts';

export const problemContentType = 'application/problem+json';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Extension members, e.g. `errors` for validation failures. */
  [extension: string]: unknown;
}

export const problemType = (slug: string) => `https://metrox.dev/problems/${slug}`;

/**
 * The JSON schema of every problem a MetroX service answers, shared by all routes
 * (`$ref: 'ProblemDetails#'`) and published once in /openapi.json. Extension members
 * (`errors`, readiness `checks`, a domain's own) are allowed and kept when serialized.
 */
export const problemSchema = {
  $id: 'ProblemDetails',
  type: 'object',
  description: 'RFC 9457 problem details, served as application/problem+json',
  required: ['type', 'title', 'status'],
  additionalProperties: true,
  properties: {
    type: { type: 'string', format: 'uri', description: 'Identifies the kind of problem; stable, for programs to branch on' },
    title: { type: 'string', description: 'A short summary of the kind of problem' },
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status code of this answer' },
    detail: { type: 'string', description: 'What went wrong with this request, for a person' },
    instance: { type: 'string', description: 'The request target the problem occurred on' },
    errors: {
      type: 'array',
      description: 'Each input at fault: a JSON pointer into body, querystring, params or headers, and what is wrong with it',
      items: { type: 'object', required: ['pointer', 'detail'], properties: { pointer: { type: 'string' }, detail: { type: 'string' } } },
    },
  },
} as const;

/** Throw from a handler to answer with a problem, e.g. `throw new HttpProblem(422, 'unknown-station', 'Unknown station', …)`. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;

  constructor(status: number, slug: string, title: string, detail?: string, extensions: Record<string, unknown> = {}) {
    super(detail ?? title);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.extensions = detail === undefined ? extensions : { detail, ...extensions };
  }
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
  validation?: ValidationIssue[];
  validationContext?: string;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

function validationErrors(error: FrameworkError): { pointer: string; detail: string }[] {
  const where = error.validationContext ?? 'body';
  return (error.validation ?? []).map((issue) => {
    const missing = typeof issue.params?.missingProperty === 'string' ? `/${issue.params.missingProperty}` : '';
    const extra = typeof issue.params?.additionalProperty === 'string' ? `/${issue.params.additionalProperty}` : '';
    return { pointer: `${where}#${issue.instancePath ?? ''}${missing}${extra}`, detail: issue.message ?? 'is invalid' };
  });
}

/** Maps any thrown value to the problem a client receives. */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  const base = instance === undefined ? {} : { instance };
  if (error instanceof HttpProblem) {
    return { type: problemType(error.slug), title: error.title, status: error.status, ...base, ...error.extensions };
  }
  const framework = (typeof error === 'object' && error !== null ? error : {}) as FrameworkError;
  if (framework.validation) {
    const errors = validationErrors(framework);
    return {
      type: problemType('validation'),
      title: 'Request does not match the schema',
      status: 400,
      detail: errors.map((e) => `${e.pointer} ${e.detail}`).join('; '),
      errors,
      ...base,
    };
  }
  const status = framework.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return {
      type: problemType(framework.code?.toLowerCase().replace(/^fst_err_/, '').replace(/_/g, '-') ?? 'client-error'),
      title: titles[status] ?? 'Client Error',
      status,
      ...(framework.message ? { detail: framework.message } : {}),
      ...base,
    };
  }
  // An outage of the database is not the request's fault and passes: the client may retry.
  if (status === 503 || isDatabaseUnavailable(error)) {
    return { type: problemType('unavailable'), title: titles[503] ?? 'Service Unavailable', status: 503, ...base };
  }
  return { type: problemType('internal'), title: 'Internal Server Error', status: 500, detail: 'The error was logged with this request id.', ...base };
}
