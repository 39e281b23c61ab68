// A list of values as one statement parameter, so that a statement over many rows (the engine's
// batch of 500 pools, their 5,000 instances) keeps one fixed shape whatever the list's length:
// it is compiled once, prepared once (a named statement on PostgreSQL, a cached one on SQLite),
// and planned without 5,000 placeholders. `IN ($1, …, $5000)` cost more to build, compile,
// prepare and plan than to run; an `OR` of 500 `(pool, sku)` pairs took PostgreSQL ~150 ms to plan.
// SQLite reads the list as JSON (`json_each`); PostgreSQL as an array (`= ANY`), or for pairs as
// JSON (`jsonb_array_elements`).

import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DialectAdapter } from '../dialect-adapter.js';

/** The parameter `inList` reads: text values, as the dialect takes a list. */
export function listParameter(adapter: DialectAdapter, values: readonly string[]): string {
  if (adapter.dialect === 'sqlite') return JSON.stringify(values);
  // PostgreSQL's array literal, every element quoted: `{"a","b \" c"}`.
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`).join(',')}}`;
}

/** `column IN list`, `list` being the parameter `listParameter` made (or its stand-in, prepared). */
export function inList(adapter: DialectAdapter, column: string, list: string): RawBuilder<SqlBool> {
  return adapter.dialect === 'sqlite' ? sql<SqlBool>`${sql.ref(column)} IN (SELECT value FROM json_each(${list}))` : sql<SqlBool>`${sql.ref(column)} = ANY(CAST(${list} AS text[]))`;
}

/** The parameter `inPairList` reads: pairs of text values, as JSON on both dialects. */
export function pairListParameter(pairs: readonly (readonly [string, string])[]): string {
  return JSON.stringify(pairs);
}

/** `(first, second) IN pairs`, `pairs` being the parameter `pairListParameter` made. */
export function inPairList(adapter: DialectAdapter, first: string, second: string, pairs: string): RawBuilder<SqlBool> {
  return adapter.dialect === 'sqlite'
    ? sql<SqlBool>`(${sql.ref(first)}, ${sql.ref(second)}) IN (SELECT value ->> 0, value ->> 1 FROM json_each(${pairs}))`
    : sql<SqlBool>`(${sql.ref(first)}, ${sql.ref(second)}) IN (SELECT pair ->> 0, pair ->> 1 FROM jsonb_array_elements(CAST(${pairs} AS jsonb)) AS pair)`;
}
