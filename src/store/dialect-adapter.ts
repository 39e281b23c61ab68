// What differs between SQLite and PostgreSQL under the one Kysely store: sqlite/ and postgres/
// each provide one. Kept apart from kysely-store.ts so that the repositories it builds can name it
// without importing it back.

import type { Compilable, Kysely, RawBuilder, SelectQueryBuilder } from 'kysely';
import type { DeferredMode } from './postgres/deferred-writes.js';
import type { Database } from './database.js';
import type { StoreDialect } from './store.js';

/** Where other processes write too: whether their commits since a remembered read are known. */
export interface CommitWatch {
  /** Whether every other process's commit is being heard of (postgres/commit-listener.ts);
   * while not, nothing remembered may be served. */
  readonly trusted: boolean;
  /** Counts the changes heard of: other processes' commits, and the connection lost or regained. */
  readonly changes: number;
}

export interface DialectAdapter {
  readonly dialect: StoreDialect;
  readonly db: Kysely<Database>;
  /** Rows of `{key, value}` text pairs from a column holding a JSON object. */
  jsonObjectEntries(column: string): RawBuilder<unknown>;
  /** A subquery's rows as JSON text: an array of objects keyed by column name, `[]` for none. */
  jsonArrayText(query: SelectQueryBuilder<any, any, unknown>): RawBuilder<string>;
  /**
   * Runs compiled SQL on `db`, the transaction or connection the caller holds. SQLite runs it
   * on its cached statement directly, skipping Kysely's executor; that is safe because holding
   * `db` means holding the process's one connection.
   */
  runCompiled<Row>(db: Kysely<Database>, sql: string, parameters: readonly unknown[]): Promise<Row[]>;
  /**
   * Sends a read on `db` (the caller's transaction) and answers at once, its rows to come
   * (`rows`): on PostgreSQL the statements after it go on the wire behind it without waiting for
   * it (postgres/deferred-writes.ts, `readAheadText`), so that reads that do not depend on each
   * other cost one round trip; the next statement hears its error too. SQLite runs it at once.
   */
  readAhead<Row>(db: Kysely<Database>, sql: string, parameters: readonly unknown[]): Promise<{ readonly rows: Promise<Row[]> }>;
  /** Whether `SELECT … FOR UPDATE` locks rows (PostgreSQL); SQLite's transactions hold the
   * whole database already. */
  readonly supportsRowLocks: boolean;
  /**
   * Runs a write whose result is not needed, on `db` (the caller's transaction), or holds it back
   * to be sent with the transaction's next statement (PostgreSQL, postgres/deferred-writes.ts:
   * several such writes cost one round trip). `table` is the one it writes, `key` the one row it
   * writes or null; a `replace` writes the whole of that row's state, standing for an earlier one.
   */
  deferWrite(db: Kysely<Database>, query: Compilable<unknown>, mode: DeferredMode, table: string, key: string | null): Promise<void>;
  /** Whether this process is the database's only writer (SQLite holds its file exclusively), so
   * that what it read stays true until its own next transaction. */
  readonly soleWriter: boolean;
  /** Whether concurrent transactions are committed together (SQLite, store/commit-group.ts):
   * its transactions run one at a time anyway, and its commit is most of what a write costs. */
  readonly groupsCommits: boolean;
  /**
   * Where a commit returns before it is on disk (SQLite, sqlite/wal-sync.ts): `afterCommit`
   * settles once what was committed before the call is on disk, `untilDurable` once every commit
   * so far is (null when none is owed). Null where a commit is durable when it returns.
   */
  readonly durability: { afterCommit(): Promise<void>; untilDurable(): Promise<void> | null } | null;
  /**
   * Where other processes write too (PostgreSQL): counts their commits, for `Store.readCached`,
   * as their notifications arrive. Null where `soleWriter`.
   */
  readonly commitWatch: CommitWatch | null;
  /** How long after a commit every process has heard of it or serves nothing remembered (0 where
   * `soleWriter`): what `Store.untilHeardEverywhere` waits. */
  readonly commitsHeardEverywhereMs: number;
  /**
   * Takes a lock named by `name` until the transaction on `db` ends, on no row: PostgreSQL's
   * transaction-scoped advisory lock, so that rows foreign keys point at are not locked with it
   * (their `FOR KEY SHARE` would wait on a row lock). Nothing on SQLite, whose transactions hold
   * the database already.
   */
  transactionLock(db: Kysely<Database>, name: string): Promise<void>;
  isUniqueViolation(error: unknown): boolean;
  /** The database cannot be reached: the connection was refused, lost or shut down. */
  isUnavailable(error: unknown): boolean;
  /** A conflict between concurrent transactions that succeeds when retried. */
  isTransientConflict(error: unknown): boolean;
  /** Tries to become (or confirms being) the leader of time-driven work. */
  tryLeadership(): Promise<boolean>;
  /** Whether the leader's lock is held now, without trying to take it. */
  holdsLeadership(): Promise<boolean>;
  /**
   * Takes the lock named `name` across processes, waiting for it (Store.exclusively, which lets
   * one caller of this process at a time ask): a session-level advisory lock on PostgreSQL;
   * nothing on SQLite, whose file has one process.
   */
  sessionLock(name: string): Promise<SessionLock>;
  close(): Promise<void>;
}

/** A lock taken by `DialectAdapter.sessionLock`. */
export interface SessionLock {
  /** Whether the lock may have been lost (its connection went): it then guards nothing. */
  lost(): boolean;
  /** Gives the lock back; never throws. */
  release(): Promise<void>;
}
