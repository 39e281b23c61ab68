// Validators and serializers compiled on a route's first use instead of at start. Fastify
// compiles every route's schemas when the server becomes ready; for allot's routes that was most
// of its start-up time (about 1.5 s of a 1.8 s start), so `allot serve` answered late. Compiled
// lazily, a route pays a few milliseconds once, at its first request. The compiled functions are
// the same ones, so validation and serialization do not change.

import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { serializableSchema } from './serialization.js';

type Validator = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };

/** Wraps a validator compiler so that each schema is compiled when first used. */
export function lazyValidatorCompiler(compile: FastifySchemaCompiler<FastifySchema>): FastifySchemaCompiler<FastifySchema> {
  return (route) => {
    let compiled: Validator | undefined;
    const validate: Validator = (data, context) => {
      compiled ??= compile(route) as Validator;
      const result = compiled(data, context);
      validate.errors = compiled.errors;
      return result;
    };
    // Fastify hands Ajv's functions the request as parent data (so that defaults and coercion
    // can replace a whole part); it looks for `schemaEnv` to know it may.
    validate.schemaEnv = true;
    return validate as ReturnType<FastifySchemaCompiler<FastifySchema>>;
  };
}

/**
 * Fastify's own serializer factory (fast-json-stringify), compiling each response schema on first
 * use, from its copy with simple unions rewritten (serialization.ts).
 */
export function lazySerializerFactory(): SerializerSelector.SerializerFactory {
  const factory = SerializerSelector();
  return (externalSchemas, serializerOptions) => {
    const compile = factory(externalSchemas, serializerOptions);
    return (route) => {
      let serialize: SerializerSelector.Serializer | undefined;
      return (data) => (serialize ??= compile({ ...route, schema: serializableSchema(route.schema) as typeof route.schema }))(data);
    };
  };
}
