// Hot queries, built and compiled by Kysely once per dialect and then run with fresh parameters.
// Building and compiling a query costs more than SQLite takes to run it, so the queries on every
// request's path (token lookup, fetch by id) are prepared this way. Only fixed-shape queries
// qualify (no optional clauses), and those whose shape varies with a count alone, prepared per
// count (preparedPerCount).

import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { DialectAdapter } from '../dialect-adapter.js';
import { preparedShapeCountMax } from '../../domain/kernel/limits.js';

/** Stands in for argument `index` while the query is compiled; found again among its parameters. */
function placeholder(index: number): string {
  return `\u0000allot-prepared-argument-${index}\u0000`;
}

export interface PreparedQuery<Args extends readonly unknown[], Row> {
  execute(db: Kysely<Database>, adapter: DialectAdapter, ...args: Args): Promise<Row[]>;
  /** Sends it ahead of the next statements (`DialectAdapter.readAhead`), its rows to come. */
  executeAhead(db: Kysely<Database>, adapter: DialectAdapter, ...args: Args): Promise<{ readonly rows: Promise<Row[]> }>;
  /** It with these arguments, for what takes a query (`DialectAdapter.deferWrite`). */
  compilable(db: Kysely<Database>, adapter: DialectAdapter, ...args: Args): Compilable<Row>;
}

/**
 * Prepares a query. `build` receives one stand-in per argument and must pass each one to the
 * builder as a plain value, exactly once or more, never inspected or transformed.
 */
export function preparedQuery<Args extends readonly (string | number | null)[], Row>(
  arity: Args['length'],
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
): PreparedQuery<Args, Row> {
  return preparedDialectQuery<Args, Row>(arity, (db, _adapter, ...args) => build(db, ...args));
}

/** Prepares a query whose SQL the dialect shapes beyond what Kysely compiles (JSON functions):
 * `build` is given the adapter as well. */
export function preparedDialectQuery<Args extends readonly (string | number | null)[], Row>(
  arity: Args['length'],
  build: (db: Kysely<Database>, adapter: DialectAdapter, ...args: Args) => Compilable<Row>,
): PreparedQuery<Args, Row> {
  const compiledByDialect = new Map<string, { sql: string; parameters: readonly unknown[]; argumentIndexes: readonly (number | null)[] }>();
  const compile = (db: Kysely<Database>, adapter: DialectAdapter, args: Args): { sql: string; parameters: unknown[] } => {
    let compiled = compiledByDialect.get(adapter.dialect);
    if (compiled === undefined) {
      const placeholders = Array.from({ length: arity }, (_, index) => placeholder(index)) as unknown as Args;
      const query = build(db, adapter, ...placeholders).compile();
      const argumentIndexes = query.parameters.map((parameter) => {
        const index = placeholders.indexOf(parameter as never);
        return index < 0 ? null : index;
      });
      if (argumentIndexes.filter((index) => index !== null).length < arity) throw new Error('preparedQuery: an argument was not used as a parameter');
      compiled = { sql: query.sql, parameters: query.parameters, argumentIndexes };
      compiledByDialect.set(adapter.dialect, compiled);
    }
    const parameters = compiled.argumentIndexes.map((index, position) => (index === null ? compiled!.parameters[position] : args[index]));
    return { sql: compiled.sql, parameters };
  };
  return {
    async execute(db, adapter, ...args) {
      const { sql, parameters } = compile(db, adapter, args);
      return adapter.runCompiled<Row>(db, sql, parameters);
    },
    async executeAhead(db, adapter, ...args) {
      const { sql, parameters } = compile(db, adapter, args);
      return adapter.readAhead<Row>(db, sql, parameters);
    },
    compilable(db, adapter, ...args) {
      const { sql, parameters } = compile(db, adapter, args);
      return { compile: () => CompiledQuery.raw(sql, parameters) as CompiledQuery<Row> };
    },
  };
}

/**
 * A query whose shape depends on a count (the keys it locks, the rows it inserts), prepared for
 * each count up to `preparedShapeCountMax` once it is first asked for. `build` gets the count and one
 * stand-in per argument, `arity(count)` of them, as `preparedDialectQuery`'s does.
 */
export function preparedPerCount<Row>(
  arity: (count: number) => number,
  build: (db: Kysely<Database>, adapter: DialectAdapter, count: number, args: readonly (string | number | null)[]) => Compilable<Row>,
): (count: number) => PreparedQuery<(string | number | null)[], Row> {
  const shapes = new Map<number, PreparedQuery<(string | number | null)[], Row>>();
  return (count) => {
    let shape = shapes.get(count);
    if (shape === undefined) {
      shape = preparedDialectQuery<(string | number | null)[], Row>(arity(count), (db, adapter, ...args) => build(db, adapter, count, args));
      if (count <= preparedShapeCountMax) shapes.set(count, shape);
    }
    return shape;
  };
}
