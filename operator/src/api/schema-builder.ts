// A small typed builder for Kubernetes structural OpenAPI schemas. Each builder
// returns the schema object the API server validates with AND carries the
// TypeScript type of a valid value, so the CRD, the types and the defaults
// (the `default` keywords, applied by both the API server and `withDefaults`)
// come from one declaration.

/** One CEL rule (`x-kubernetes-validations`). */
export interface CelRule {
  rule: string;
  message: string;
  /** Field path the message is reported under, e.g. `.maxReplicas`. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface JsonSchema {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  description?: string;
  format?: string;
  enum?: readonly unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
}

/**
 * A schema that remembers the TypeScript type of its values: `T` after the API
 * server applied the defaults (what the operator reads), `I` as a person writes it.
 */
export type Schema<T, I = T> = JsonSchema & { readonly __type?: T; readonly __input?: I };
export type Infer<S> = S extends Schema<infer T, unknown> ? T : never;
export type InferInput<S> = S extends Schema<unknown, infer I> ? I : never;
/** Marks a schema whose `default` makes the value always present after defaulting. */
type Defaulted<C> = C extends { default: unknown } ? { default: unknown } : unknown;

interface Common {
  description: string;
  validations?: CelRule[];
}

/** The phantom types exist only for the compiler: the value is the plain schema. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller's return type picks S: that is the point
function typed<S>(schema: JsonSchema): S {
  return schema as S;
}

function common(c: Common): JsonSchema {
  const out: JsonSchema = { description: c.description };
  if (c.validations !== undefined) out['x-kubernetes-validations'] = c.validations;
  return out;
}

type StringOptions<E extends readonly string[]> = Common & {
  enum?: E;
  default?: E[number];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  format?: string;
};
type StringOf<E extends readonly string[]> = string extends E[number] ? string : E[number];

export function string<const E extends readonly string[] = readonly string[], C extends StringOptions<E> = StringOptions<E>>(
  c: C & StringOptions<E>,
): Schema<StringOf<E>> & Defaulted<C> {
  const { description: _d, validations: _v, ...rest } = c;
  return typed({ type: 'string', ...common(c), ...rest });
}

type NumberOptions = Common & { minimum?: number; maximum?: number; default?: number };

export function integer<C extends NumberOptions>(c: C): Schema<number> & Defaulted<C> {
  const { description: _d, validations: _v, ...rest } = c;
  return typed({ type: 'integer', format: 'int32', ...common(c), ...rest });
}

export function number<C extends NumberOptions>(c: C): Schema<number> & Defaulted<C> {
  const { description: _d, validations: _v, ...rest } = c;
  return typed({ type: 'number', ...common(c), ...rest });
}

export function boolean<C extends Common & { default?: boolean }>(c: C): Schema<boolean> & Defaulted<C> {
  const { description: _d, validations: _v, ...rest } = c;
  return typed({ type: 'boolean', ...common(c), ...rest });
}

type ArrayOptions = Common & {
  maxItems?: number;
  minItems?: number;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  default?: unknown[];
};

export function array<T, I, C extends ArrayOptions>(items: Schema<T, I>, c: C): Schema<T[], I[]> & Defaulted<C> {
  const out: JsonSchema = { type: 'array', ...common(c), items };
  if (c.maxItems !== undefined) out.maxItems = c.maxItems;
  if (c.minItems !== undefined) out.minItems = c.minItems;
  if (c.listType !== undefined) out['x-kubernetes-list-type'] = c.listType;
  if (c.listMapKeys !== undefined) out['x-kubernetes-list-map-keys'] = c.listMapKeys;
  if (c.default !== undefined) out.default = c.default;
  return typed(out);
}

type Props = Record<string, Schema<unknown, unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type DefaultedKeys<P extends Props> = { [K in keyof P]: P[K] extends { default: unknown } ? K : never }[keyof P];
/** After defaulting, required keys and keys with a default are present; the rest are optional. */
type ObjectOf<P extends Props, R extends keyof P> = Simplify<
  { [K in R | DefaultedKeys<P>]-?: Infer<P[K]> } & { [K in Exclude<keyof P, R | DefaultedKeys<P>>]?: Infer<P[K]> }
>;
/** As written, only required keys must be there. */
type InputOf<P extends Props, R extends keyof P> = Simplify<
  { [K in R]-?: InferInput<P[K]> } & { [K in Exclude<keyof P, R>]?: InferInput<P[K]> }
>;

export function object<P extends Props, const R extends keyof P & string = never, C extends Common & { required?: readonly R[]; default?: object } = Common>(
  properties: P,
  c: C & { required?: readonly R[] },
): Schema<ObjectOf<P, R>, InputOf<P, R>> & Defaulted<C> {
  const out: JsonSchema = { type: 'object', ...common(c), properties };
  if (c.required !== undefined && c.required.length > 0) out.required = [...c.required];
  if (c.default !== undefined) out.default = c.default;
  return typed(out);
}

/** An embedded Kubernetes type (ResourceRequirements, EnvVar…) the API server already validates downstream. */
export function embedded<T>(c: Common & { required?: string[]; properties?: Record<string, JsonSchema> }): Schema<T> {
  const out: JsonSchema = { type: 'object', ...common(c), 'x-kubernetes-preserve-unknown-fields': true };
  if (c.properties !== undefined) out.properties = c.properties;
  if (c.required !== undefined) out.required = c.required;
  return out;
}

/** Fills in `default` values the way the API server does for a structural schema. */
export function applyDefaults(schema: JsonSchema, value: unknown): unknown {
  if (value === undefined) {
    if (schema.default === undefined) return undefined;
    value = structuredClone(schema.default);
  }
  if (schema.type === 'object' && schema.properties !== undefined && isRecord(value)) {
    const out: Record<string, unknown> = { ...value };
    for (const [key, sub] of Object.entries(schema.properties)) {
      const next = applyDefaults(sub, out[key]);
      if (next !== undefined) out[key] = next;
    }
    return out;
  }
  if (schema.type === 'array' && schema.items !== undefined && Array.isArray(value)) {
    const items = schema.items;
    return value.map((item: unknown) => applyDefaults(items, item));
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
