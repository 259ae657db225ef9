// The event envelope: CloudEvents 1.0 attributes in structured JSON mode, the
// schema version as an extension attribute, and the producer's W3C trace context.
// Pure functions only: build and validate, no I/O.
import { events, isEventType, type EventData, type EventType } from '@metrox/contracts';
import { randomUUID } from 'node:crypto';

export interface EventEnvelope<T extends EventType = EventType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  time: string;
  datacontenttype: 'application/json';
  /** Version of the data schema in @metrox/contracts (a CloudEvents extension attribute). */
  schemaversion: number;
  /** Usually the id of the aggregate the event is about, e.g. the transaction id. */
  subject?: string;
  /** W3C trace context of the span that produced the event (CloudEvents distributed tracing extension). */
  traceparent?: string;
  tracestate?: string;
  data: EventData<T>;
}

export const envelopeContentType = 'application/cloudevents+json';

export interface EnvelopeOptions {
  source: string;
  id?: string;
  subject?: string;
  time?: Date;
  traceparent?: string;
  tracestate?: string;
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/** Builds an envelope, validating `data` against the event's schema (throws InvalidEventError). */
export function createEnvelope<T extends EventType>(type: T, data: EventData<T>, options: EnvelopeOptions): EventEnvelope<T> {
  const { schema, version } = events[type];
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new InvalidEventError(`${type} does not match its schema: ${describeIssues(parsed.error.issues)}`);
  }
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: options.source,
    type,
    time: (options.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    schemaversion: version,
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
    ...(options.tracestate === undefined ? {} : { tracestate: options.tracestate }),
    data: parsed.data as EventData<T>,
  };
}

export type ParseResult =
  | { ok: true; envelope: EventEnvelope }
  | { ok: false; reason: string; id?: string; type?: string };

const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Parses and validates a received message body; never throws. */
export function parseEnvelope(body: Uint8Array | string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'body is not a CloudEvents JSON object' };
  }
  const candidate = raw as Record<string, unknown>;
  const id = text(candidate.id) ? candidate.id : undefined;
  const type = text(candidate.type) ? candidate.type : undefined;
  const fail = (reason: string): ParseResult => ({ ok: false, reason, ...(id ? { id } : {}), ...(type ? { type } : {}) });
  if (candidate.specversion !== '1.0') return fail('specversion must be "1.0"');
  for (const attribute of ['id', 'source', 'type', 'time'] as const) {
    if (!text(candidate[attribute])) return fail(`attribute "${attribute}" is missing`);
  }
  if (Number.isNaN(Date.parse(candidate.time as string))) return fail('attribute "time" is not a timestamp');
  if (type === undefined || !isEventType(type)) return fail(`unknown event type "${String(type)}"`);
  const { schema, version } = events[type];
  if (candidate.schemaversion !== version) {
    return fail(`unsupported schemaversion ${JSON.stringify(candidate.schemaversion)} for ${type} (expected ${version})`);
  }
  const data = schema.safeParse(candidate.data);
  if (!data.success) return fail(`data does not match the ${type} schema: ${describeIssues(data.error.issues)}`);
  return { ok: true, envelope: { ...(candidate as unknown as EventEnvelope), data: data.data } };
}

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');
}
