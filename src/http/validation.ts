// Request validation. Bodies are checked strictly: a string where a number belongs is an error,
// not something to coerce. Query strings and path parameters arrive as text, so there numbers are
// read from text and a single value fills a repeatable parameter.
//
// Every schema is bounded here, once, before it is compiled, so that no route has to remember:
// an integer must be one JavaScript holds exactly (|n| ≤ 2^53 − 1, inside PostgreSQL's bigint) or
// inside the narrower range its `format` names; a number must be finite (`1e400` and `Infinity`
// are refused); a string must hold no NUL or other control character but tab, line feed and
// carriage return, and be well-formed Unicode. The route's own schema object is left as it is
// (the OpenAPI document shows it); the bounds go on a copy.

import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchema } from 'fastify';
import type { FastifySchemaCompiler } from 'fastify';

const common = { allErrors: true, strict: false, useDefaults: true, removeAdditional: false } as const;

/** The ranges integer formats name (SF Compute's documents use these). */
const integerFormatRanges: Readonly<Record<string, readonly [number, number]>> = {
  'int8': [-(2 ** 7), 2 ** 7 - 1],
  'u-int8': [0, 2 ** 8 - 1],
  'int16': [-(2 ** 15), 2 ** 15 - 1],
  'u-int16': [0, 2 ** 16 - 1],
  'int32': [-(2 ** 31), 2 ** 31 - 1],
  'u-int32': [0, 2 ** 32 - 1],
  'int64': [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  'u-int64': [0, Number.MAX_SAFE_INTEGER],
};

/** The keyword the bounded copy puts on every string schema. */
export const textKeyword = 'x-allot-text';

/** NUL and the C0 controls but tab, line feed and carriage return, and DEL. */
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** A UTF-16 surrogate without its pair: no UTF-8 encoding exists for it. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether text may be stored: no control characters but tab and line breaks, well-formed Unicode. */
export function isStorableText(text: string): boolean {
  return !controlCharacters.test(text) && !loneSurrogate.test(text);
}

type SchemaNode = Record<string, unknown>;

function typesOf(node: SchemaNode): readonly unknown[] {
  return Array.isArray(node.type) ? node.type : [node.type];
}

/** Keywords whose value maps names to schemas. */
const schemaMaps = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is a schema or a list of schemas. */
const subschemas = new Set(['items', 'prefixItems', 'additionalItems', 'additionalProperties', 'propertyNames', 'contains', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else', 'unevaluatedProperties', 'unevaluatedItems']);

/** A copy of `schema` with every integer, number and string bounded (see the header). */
export function boundedSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(boundedSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const node: SchemaNode = {};
  for (const [key, value] of Object.entries(schema)) {
    if (subschemas.has(key)) node[key] = boundedSchema(value);
    else if (schemaMaps.has(key) && typeof value === 'object' && value !== null) node[key] = Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, boundedSchema(entry)]));
    else node[key] = value;
  }
  const types = typesOf(node);
  if (types.includes('integer') || types.includes('number')) {
    const formatRange = typeof node.format === 'string' ? integerFormatRanges[node.format] : undefined;
    const [lowest, highest] = formatRange ?? (types.includes('integer') ? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] : [-Number.MAX_VALUE, Number.MAX_VALUE]);
    node.minimum = typeof node.minimum === 'number' ? Math.max(node.minimum, lowest) : lowest;
    node.maximum = typeof node.maximum === 'number' ? Math.min(node.maximum, highest) : highest;
  }
  if (types.includes('string')) node[textKeyword] = true;
  return node;
}

function withTextKeyword(ajv: Ajv): Ajv {
  ajv.addKeyword({ keyword: textKeyword, type: 'string', schemaType: 'boolean', errors: false, validate: (_enabled: boolean, data: string) => isStorableText(data) });
  return ajv;
}

export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  // Each Ajv is made at its first compile, not at start: the server compiles validators at a
  // route's first request (lazy-compile.ts), and a request with nothing to validate needs none.
  let bodies: Ajv | undefined;
  let texts: Ajv | undefined;
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? (bodies ??= withTextKeyword(new Ajv({ ...common, coerceTypes: false }))) : (texts ??= withTextKeyword(new Ajv({ ...common, coerceTypes: 'array' })));
    const validator: ValidateFunction = ajv.compile(boundedSchema(schema) as object);
    return validator;
  };
}
