// Schemas every resource shares, written once: names, tags, timestamps, references, lists and the
// error envelope. They follow SF Compute's OpenAPI components of the same names, with patterns
// anchored.

import Type, { type TSchema } from 'typebox';
import { idempotencyKeyLengthMax, nameLengthMax, pageSizeDefault, pageSizeMax, pathParameterLengthMax, priceTextLengthMax, scheduleEntriesMax, tagKeyLengthMax, tagsCountMax, tagValueLengthMax } from '../../domain/kernel/limits.js';
import { namePattern } from '../../domain/kernel/names.js';
import { tagKeyPattern, tagValuePattern } from '../../domain/kernel/tags.js';

export const UnixEpoch = Type.Integer({ description: 'Unix timestamp in seconds.', examples: [1738972800] });

export const Name = Type.String({ minLength: 1, maxLength: nameLengthMax, pattern: namePattern, examples: ['my-resource-name'] });

export const Tags = Type.Record(Type.String({ pattern: tagKeyPattern }), Type.String({ maxLength: tagValueLengthMax, pattern: tagValuePattern }), {
  maxProperties: tagsCountMax,
  propertyNames: { type: 'string', minLength: 1, maxLength: tagKeyLengthMax, pattern: tagKeyPattern },
  description: `Metadata tags: at most ${tagsCountMax} keys.`,
  examples: [{ env: 'prod', team: 'infra' }],
});

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([Type.Null(), schema]);
}

/** A canonical id with its prefix, as responses carry it. */
export function IdOf(prefix: string) {
  return Type.String({ pattern: `^${prefix}_[0-9a-zA-Z_-]{1,21}$`, examples: [`${prefix}_k3R-nX9vLm7Qp2Yw5Jd8F`] });
}

/** Another resource named in a response: its id and name. */
export function SummaryOf(prefix: string) {
  return Type.Object({ id: IdOf(prefix), name: Name });
}

/** A reference a request gives: an id (legacy prefixes accepted), a resource path or a name. */
export function Reference(description: string) {
  return Type.String({ minLength: 1, maxLength: pathParameterLengthMax, description });
}

/** A schedule entry as requests give it: `end_at` may be omitted where the next entry gives it. */
export const ScheduleEntryInput = Type.Object({
  start_at: Type.Integer({ description: 'Unix seconds, a multiple of 60.' }),
  end_at: Type.Optional(Nullable(Type.Integer({ description: 'Unix seconds, a multiple of 60; null (or omitted on the last entry) for no end.' }))),
  node_count: Type.Integer({ description: 'Nodes over [start_at, end_at); not negative.' }),
});

export const ScheduleInput = Type.Array(ScheduleEntryInput, { maxItems: scheduleEntriesMax });

export const ScheduleEntry = Type.Object({
  start_at: UnixEpoch,
  end_at: Nullable(UnixEpoch),
  node_count: Type.Integer({ minimum: 0 }),
});

export const Schedule = Type.Array(ScheduleEntry, {
  description: 'Node count over time as [start_at, end_at) ranges; gaps are explicit zeros and the last has end_at null.',
});

export const InstanceSkuSummary = Type.Object({
  object: Type.Literal('instance_sku'),
  id: Type.String({ pattern: '^isku_[0-9a-zA-Z_-]{1,21}$' }),
  alias: Name,
});

/** A price as responses give it: dollars per node-hour with six decimals. */
export const DollarsPerNodeHour = Type.String({ pattern: '^\\d+\\.\\d+$', description: 'Dollars per node-hour.', examples: ['2.500000'] });

/** A price as requests give it; checked (and rounded to $0.000060) by the use case, which names what is wrong. */
export const DollarsPerNodeHourInput = Type.String({ maxLength: priceTextLengthMax, description: 'Dollars per node-hour with a decimal point, such as "2.5" or "2.500000"; rounded to the nearest $0.000060.' });

/** How an automation is doing. */
export const ReconciliationStatus = Type.Object({ state: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error')]), message: Type.String() });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: idempotencyKeyLengthMax, description: 'Retries with the same key and body return the original result.' })),
});

export const IdPathParams = Type.Object({ id: Reference('An id or a resource path, such as sfc:pool:acme:default:my-pool.') });

export function ListOf<T extends TSchema>(item: T, cursorPrefix: string) {
  return Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(item),
    has_more: Type.Boolean(),
    cursor: Nullable(Type.String({ pattern: `^${cursorPrefix}_[A-Za-z0-9_-]+$`, description: 'Pass as `starting_after` (or `ending_before`, walking backwards) to continue.' })),
  });
}

export function PageQuery(cursorPrefix: string) {
  const cursor = Type.String({ description: `A cursor of this list (${cursorPrefix}_…) from a previous response.` });
  return {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: pageSizeMax, default: pageSizeDefault })),
    starting_after: Type.Optional(cursor),
    ending_before: Type.Optional(cursor),
  };
}

/** A repeatable query parameter (`?id=a&id=b`). */
export function Repeated<T extends TSchema>(item: T, description: string) {
  return Type.Optional(Type.Array(item, { description }));
}

/** The request an error answers, as its x-request-id header names it (added by src/http/edge.ts). */
export const ErrorRequestId = Type.Optional(Type.String({ description: 'The request\'s id, as its x-request-id header gives it: quote it when reporting a problem.' }));

export const ErrorDetail = Type.Object({
  field: Nullable(Type.String()),
  code: Type.String(),
  message: Type.String(),
});

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      type: Type.String({ description: 'A stable error type, such as invalid_request_error or not_found.' }),
      message: Type.String(),
      details: Type.Optional(Type.Array(ErrorDetail)),
      request_id: ErrorRequestId,
    }),
  },
  { description: 'An error.' },
);
