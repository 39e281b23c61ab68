// A named statement run without asking PostgreSQL to describe its rows each time. `pg` sends a
// Describe with every execution and builds the result's field list and parsers anew from the
// answer (a RowDescription, one string per column): for a buy, whose book reads return rows of
// two dozen columns, that was a fifth of a millisecond of the process's CPU, the most of any one
// function. A named statement's rows keep the shape they had when it was first described on
// its connection: PostgreSQL refuses to run a prepared statement whose result would change
// ("cached plan must not change result type"), so the shape seen once holds for the
// connection's life, and the connection (NamedStatementClient) keeps it by name.

import pg from 'pg';

/** What a named statement's rows look like, as `pg`'s result keeps it once described. */
export interface RowShape {
  readonly fields: readonly unknown[];
  readonly parsers: readonly unknown[];
  /** Every column, null: what each row is copied from before its values are set. */
  readonly emptyRow: object;
}

/** The parts of `pg`'s Query and Result this reads and fills in (they are not in its types). */
interface QueryInternals {
  name?: string;
  text: string;
  values: unknown[];
  portal: string;
  binary?: boolean;
  callback?: (error: unknown, result?: unknown) => void;
  _accumulateRows?: boolean;
  _result: { fields: readonly unknown[]; _parsers?: readonly unknown[]; _prebuiltEmptyResultObject?: object };
}

/** The parts of `pg`'s Connection a query writes its messages with. */
interface ConnectionMessages {
  parsedStatements: Record<string, string | undefined>;
  submittedNamedStatements: Record<string, string | undefined>;
  parse(message: { text: string; name: string }): void;
  bind(message: { portal: string; statement: string; values: unknown[]; binary?: boolean; valueMapper: unknown }): void;
  execute(message: { portal: string }): void;
  close(message: { type: 'S'; name: string }): void;
  sync(): void;
}

/** `pg`'s own Query methods this one runs before or instead of its own. */
const base = pg.Query.prototype as unknown as {
  handleRowDescription(message: unknown): void;
  handleCommandComplete(message: unknown, connection: unknown): void;
  handleError(error: unknown, connection: unknown): void;
  prepare(connection: ConnectionMessages): void;
};

/** How `pg` turns each value into what is sent (dates, arrays, buffers, JSON). */
const prepareValue = (pg as unknown as { utils: { prepareValue: unknown } }).utils.prepareValue;
if (typeof prepareValue !== 'function') throw new Error("pg.utils.prepareValue is missing: this version of pg is not one described-query.ts was written for");

/**
 * A named statement's execution: described by PostgreSQL the first time it runs on a connection
 * (remembered in `shapes`), and after that bound and executed only, its rows parsed with the
 * shape remembered. Answers through `callback`, as `pg`'s own Query.
 */
export class DescribedQuery extends pg.Query {
  readonly #shapes: Map<string, RowShape>;
  readonly #shape: RowShape | undefined;

  constructor(name: string, text: string, values: readonly unknown[], shapes: Map<string, RowShape>, callback: (error: unknown, result?: unknown) => void) {
    // Given as text, not as a config object, which `pg` would copy property by property.
    super(text, [...values]);
    const query = this as unknown as QueryInternals;
    query.name = name;
    query.callback = callback;
    this.#shapes = shapes;
    this.#shape = shapes.get(name);
    if (this.#shape !== undefined) {
      query._result.fields = this.#shape.fields;
      query._result._parsers = this.#shape.parsers;
      query._result._prebuiltEmptyResultObject = this.#shape.emptyRow;
      query._accumulateRows = true;
    }
  }

  handleRowDescription(message: unknown): void {
    base.handleRowDescription.call(this, message);
    const query = this as unknown as QueryInternals;
    this.#shapes.set(query.name!, { fields: query._result.fields, parsers: query._result._parsers ?? [], emptyRow: query._result._prebuiltEmptyResultObject ?? {} });
  }

  handleCommandComplete(message: unknown, connection: unknown): void {
    // Described as returning no rows (a write without RETURNING): no RowDescription came.
    const query = this as unknown as QueryInternals;
    if (!this.#shapes.has(query.name!)) this.#shapes.set(query.name!, { fields: [], parsers: [], emptyRow: {} });
    base.handleCommandComplete.call(this, message, connection);
  }

  /** As `pg`'s, without the Describe once the statement's shape is known. */
  prepare(connection: ConnectionMessages): void {
    if (this.#shape === undefined) {
      base.prepare.call(this, connection);
      return;
    }
    const query = this as unknown as QueryInternals;
    const name = query.name!;
    if (connection.parsedStatements[name] === undefined && connection.submittedNamedStatements[name] === undefined) {
      connection.parse({ text: query.text, name });
      connection.submittedNamedStatements[name] = query.text;
    }
    try {
      connection.bind({ portal: query.portal, statement: name, values: query.values, binary: query.binary, valueMapper: prepareValue });
    } catch (error) {
      // A value that cannot be sent: the statement is not run, and the connection stays usable.
      connection.close({ type: 'S', name });
      connection.sync();
      base.handleError.call(this, error, connection);
      return;
    }
    connection.execute({ portal: query.portal });
    connection.sync();
  }
}
