// Request validation. Bodies are checked strictly: a string where a number belongs is an error,
// not something to coerce. Query strings and path parameters arrive as text, so there numbers are
// read from text and a single value fills a repeatable parameter.

import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchema } from 'fastify';
import type { FastifySchemaCompiler } from 'fastify';

const common = { allErrors: true, strict: false, useDefaults: true, removeAdditional: false } as const;

export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const bodies = new Ajv({ ...common, coerceTypes: false });
  const texts = new Ajv({ ...common, coerceTypes: 'array' });
  return ({ schema, httpPart }) => {
    const validator: ValidateFunction = (httpPart === 'body' ? bodies : texts).compile(schema as object);
    return validator;
  };
}
