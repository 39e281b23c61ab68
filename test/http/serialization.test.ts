// The serializer's copy of a response schema (src/http/serialization.ts): simple unions are
// rewritten into forms fast-json-stringify writes without asking ajv, and every value the schema
// accepts is written byte for byte as the route's own schema writes it.

import fc from 'fast-check';
import build from 'fast-json-stringify';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { Nullable, Schedule, Tags } from '../../src/http/schemas/common.js';
import { serializableSchema } from '../../src/http/serialization.js';

const Resource = Type.Object({
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('rejected')]),
  tags: Nullable(Tags),
  schedule: Schedule,
  ended_at: Nullable(Type.Integer()),
  note: Type.Optional(Nullable(Type.String({ maxLength: 10 }))),
  mixed: Type.Union([Type.Integer(), Type.String()]),
  either: Type.Union([Type.Object({ a: Type.Integer() }), Type.Object({ b: Type.String() })]),
});

describe('the serializer\'s copy of a response schema', () => {
  it('rewrites nullable schemas and unions of literals of one type, and leaves other unions', () => {
    const copy = serializableSchema(Resource) as { properties: Record<string, Record<string, unknown>> };
    expect(copy.properties.status).toEqual({ type: 'string' });
    expect(copy.properties.ended_at).toEqual({ type: 'integer', nullable: true });
    expect(copy.properties.tags!.type).toBe('object');
    expect(copy.properties.tags!.nullable).toBe(true);
    expect(copy.properties.mixed!.anyOf).toHaveLength(2);
    expect(copy.properties.either!.anyOf).toHaveLength(2);
    // The route's own schema is left as it is.
    expect((Resource.properties.status as { anyOf?: unknown }).anyOf).toHaveLength(3);
  });

  it('writes every value the schema accepts as the route\'s own schema does', () => {
    const original = build(Resource as object);
    const copied = build(serializableSchema(Resource) as object);
    const entry = fc.record({ start_at: fc.integer({ min: 0, max: 2 ** 40 }), end_at: fc.option(fc.integer({ min: 0, max: 2 ** 40 })), node_count: fc.integer({ min: 0, max: 1000 }) });
    const value = fc.record(
      {
        status: fc.constantFrom('pending', 'accepted', 'rejected'),
        tags: fc.option(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.stringMatching(/^[a-z0-9 ]{0,8}$/), { maxKeys: 3 })),
        schedule: fc.array(entry, { maxLength: 3 }),
        ended_at: fc.option(fc.integer({ min: 0, max: 2 ** 40 })),
        note: fc.option(fc.string({ maxLength: 10 })),
        mixed: fc.oneof(fc.integer(), fc.string()),
        either: fc.oneof(fc.record({ a: fc.integer() }), fc.record({ b: fc.string() })),
      },
      { requiredKeys: ['status', 'tags', 'schedule', 'ended_at', 'mixed', 'either'] },
    );
    fc.assert(fc.property(value, (resource) => {
      expect(copied(resource)).toBe(original(resource));
    }));
  });
});
