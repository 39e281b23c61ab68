// The scale-out store: PostgreSQL through `pg`. Several allot processes may serve one database;
// transactions run at READ COMMITTED and take row locks where they decide on what they read, and
// serialization failures and deadlocks are retried by KyselyStore.

import { postgresConnectionWaitMs, postgresConnectTimeoutMs, postgresNamedStatementsMax, postgresPoolSize, postgresStatementRunsBeforeNamed } from '../../domain/kernel/limits.js';
import { ConnectionWaitTimeout, gatePool } from './connection-gate.js';
import { CompiledQuery, Kysely, sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import pg from 'pg';
import type { Database } from '../database.js';
import { type DialectAdapter, type SessionLock } from '../dialect-adapter.js';
import { KyselyStore } from '../kysely-store.js';
import { migrate } from '../migrator.js';
import { DescribedQuery, type RowShape } from './described-query.js';
import { DeferredWrites, deferredText, parseDeferred, parsePipelined, parseReadAhead, pipelinedText, readAheadText } from './deferred-writes.js';
import { randomUUID } from 'node:crypto';
import { AnnouncingPostgresDialect, CommitAnnouncer, CommitListener, commitReportingWriteSql, commitsHeardEverywhereMs, commitWrote } from './commit-listener.js';

/** Key of the advisory lock that serializes migrations across processes ("allot" in ASCII). */
const migrationLockKey = 0x616c6c6f74;
/** First key of the advisory lock the leader of time-driven work holds ("alL"); the second is the
 * schema's hash, so that allot deployments in different schemas of one database each have a leader. */
const leaderLockClass = 0x616c4c;

/** First key of the transaction-scoped advisory locks named by text (`transactionLock`, "alT");
 * the second is the hash of the schema and the name. */
const transactionLockClass = 0x616c54;

/** First key of the session-level advisory locks named by text (`sessionLock`, "alS"); the
 * second is the hash of the schema and the name. */
const sessionLockClass = 0x616c53;

const int8Oid = 20;
const numericOid = 1700;

/**
 * Names for the SQL this process runs often, the same in every connection. PostgreSQL parses and
 * plans an unnamed statement anew each time, which for a pool read costs three times what running
 * it does, and on a hot path runs while the transaction holds its locks; a named one is parsed
 * once per connection, and after five runs PostgreSQL keeps one generic plan for it unless
 * planning each run promises much better. The prepared queries' SQL (repositories/prepared.ts)
 * is named at once; any other reads and writes once they have run `postgresStatementRunsBeforeNamed`
 * times, up to `postgresNamedStatementsMax` texts (each named statement is kept by every
 * connection), so that rarely run SQL and the many shapes of long `in` lists stay unnamed.
 */
const statementNames = new Map<string, string>();
/** How many times each SQL text not yet named has run, while there is room to name more. */
const statementRuns = new Map<string, number>();

/** The name to run `text` under, if it has one or earns one now. */
function statementNameOf(text: string): string | undefined {
  const name = statementNames.get(text);
  // Several statements in one text (the commit, commit-listener.ts) can only run unnamed.
  if (name !== undefined || statementNames.size >= postgresNamedStatementsMax || !/^(select|insert|update|delete|with)\s/i.test(text) || text.includes(';')) return name;
  const runs = (statementRuns.get(text) ?? 0) + 1;
  if (runs < postgresStatementRunsBeforeNamed) {
    if (statementRuns.size >= postgresNamedStatementsMax * 10) statementRuns.clear();
    statementRuns.set(text, runs);
    return undefined;
  }
  statementRuns.delete(text);
  return nameStatement(text);
}

function nameStatement(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) statementNames.set(text, (name = `allot_${statementNames.size + 1}`));
  return name;
}

/** SQLSTATEs of a database that is going or not yet there: connection exceptions (class 08),
 * shutdown by the administrator or a crash, still starting, and too many connections. */
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300']);
/** Node's errors for a server that does not answer. */
const unavailableSocketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** `pg`'s own messages for a lost connection, which carry no code. */
const unavailableMessages = /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Connection timeout)/;

export function isPostgresUnavailable(error: unknown): boolean {
  const code = pgCode(error);
  if (code.startsWith('08') || unavailableStates.has(code) || unavailableSocketCodes.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isPostgresUnavailable);
  return error instanceof ConnectionWaitTimeout || (error instanceof Error && unavailableMessages.test(error.message));
}

/**
 * A `pg` client that runs prepared queries' SQL as named statements. It also listens for its
 * connection's errors at all times: `pg.Pool` listens only while the client is idle, and an
 * 'error' nobody listens for (PostgreSQL stopped while a transaction holds the client between
 * statements) would end the process. The statement running then fails on its own, and the pool
 * drops the client when it is released, since it is no longer queryable.
 */
class NamedStatementClient extends pg.Client {
  /** Announces the commits of transactions that wrote to other processes (commit-listener.ts). */
  readonly #announcer: CommitAnnouncer | null;

  constructor(config?: string | (pg.ClientConfig & { commitAnnouncer?: CommitAnnouncer })) {
    // Pipeline mode: a statement sent while another is still being answered goes on the wire at
    // once instead of waiting in pg's queue, so a pipelined lock or the held writes and the
    // statement behind them cost one round trip, not two.
    super(typeof config === 'string' ? { connectionString: config, pipeline: true } : { ...config, pipeline: true });
    this.#announcer = typeof config === 'object' ? (config.commitAnnouncer ?? null) : null;
    this.on('error', () => {});
  }

  /** The writes this connection holds back (deferred-writes.ts). */
  readonly #deferred = new DeferredWrites();

  /**
   * What was sent without its caller waiting for the answer (held writes, a pipelined lock),
   * still to be heard of: the next statement's caller hears its error, if any, for it. The
   * connection runs statements in the order they are sent, so the next one runs after it.
   */
  #ahead: Promise<unknown> | null = null;

  override query(config: unknown, values?: unknown, callback?: unknown): any {
    const text = typeof config === 'string' ? config : null;
    const deferred = text === null ? null : parseDeferred(text, Array.isArray(values) ? values : []);
    if (deferred !== null) {
      // Held, or, when it cannot join what is held, that is sent first; answered as a write of no rows.
      if (!this.#deferred.hold(deferred)) {
        this.#sendHeld();
        if (!this.#deferred.hold(deferred)) throw new Error('a deferred write could not be held after the others were sent');
      }
      return answerAtOnce({ command: deferred.mode === 'insert' ? 'INSERT' : 'UPDATE', rowCount: 0, rows: [], fields: [] }, callback);
    }
    const pipelined = text === null ? null : parsePipelined(text);
    if (pipelined !== null) {
      this.#sendHeld();
      this.#sendAhead(pipelined, Array.isArray(values) ? values : []);
      return answerAtOnce({ command: 'SELECT', rowCount: 0, rows: [], fields: [] }, callback);
    }
    const readAhead = text === null ? null : parseReadAhead(text);
    if (readAhead !== null) {
      this.#sendHeld();
      const answer = this.#sendAhead(readAhead, Array.isArray(values) ? values : []);
      return answerAtOnce({ command: 'SELECT', rowCount: 1, rows: [{ answer }], fields: [] }, callback);
    }
    if (text !== null && /^\s*rollback\s*$/i.test(text)) {
      // Whatever went ahead is undone with the rest, and its error was heard or no longer matters.
      this.#deferred.drop();
      this.#ahead = null;
      return this.#send(config, values, callback);
    }
    this.#sendHeld();
    const ahead = this.#ahead;
    this.#ahead = null;
    if (ahead === null) return this.#send(config, values, callback);
    // Sent at once, queued behind what went ahead, without waiting to hear of it first. If that
    // failed, so does this (the transaction is aborted), and its caller hears the first error.
    if (typeof callback === 'function') {
      return this.#send(config, values, (error: unknown, result: unknown) =>
        ahead.then(
          () => (callback as (error: unknown, result: unknown) => void)(error, result),
          (aheadError: unknown) => (callback as (error: unknown) => void)(aheadError),
        ),
      );
    }
    const result = this.#send(config, values) as unknown;
    // A cursor (not a promise) reads on in the aborted transaction and fails there.
    if (!(result instanceof Promise)) return result;
    result.catch(() => {});
    return ahead.then(() => result);
  }

  /** Sends what is held, as one statement, ahead of the next. */
  #sendHeld(): void {
    const held = this.#deferred.take();
    if (held !== null) this.#sendAhead(held.text, held.values);
  }

  /** Sends a statement without waiting; answers the promise of its answer, which fails with the
   * first error of what went ahead of it. */
  #sendAhead(text: string, values: readonly unknown[]): Promise<unknown> {
    const sent = this.#send(text, [...values]) as Promise<unknown>;
    sent.catch(() => {});
    const before = this.#ahead;
    const ahead = before === null ? sent : before.then(() => sent);
    ahead.catch(() => {});
    this.#ahead = ahead;
    return ahead;
  }

  /** Whether this tick's statements are being gathered into one write (`#gatherWrites`). */
  #gathering = false;

  /**
   * Gathers every statement sent in this tick into one write to the socket: statements sent one
   * behind another without waiting (a pipelined lock, the held writes, reads sent ahead) cost one
   * system call, not one each. `pg` corks the socket around each statement's messages; this
   * holds it corked until the tick's work is done.
   */
  #gatherWrites(): void {
    const stream = (this as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
    if (this.#gathering || stream?.cork === undefined || stream.uncork === undefined) return;
    stream.cork();
    this.#gathering = true;
    process.nextTick(() => {
      this.#gathering = false;
      stream.uncork!();
    });
  }

  #send(config: unknown, values?: unknown, callback?: unknown): unknown {
    this.#gatherWrites();
    if (config === commitReportingWriteSql && this.#announcer !== null) return this.#commitAndAnnounce(this.#announcer, callback);
    const name = typeof config === 'string' && Array.isArray(values) ? statementNameOf(config) : undefined;
    if (name === undefined) return (super.query as (...args: unknown[]) => unknown)(config, values, callback);
    const run = (answer: (error: unknown, result?: unknown) => void) => super.query(new DescribedQuery(name, config as string, values as unknown[], this.#rowShapes, answer));
    if (typeof callback === 'function') return void run(callback as (error: unknown, result?: unknown) => void);
    return new Promise((resolve, reject) => run((error, result) => (error ? reject(error) : resolve(result))));
  }

  /** The shape of each named statement's rows, as PostgreSQL described them on this connection (described-query.ts). */
  readonly #rowShapes = new Map<string, RowShape>();

  /** Commits, and answers once a transaction that wrote has been announced: as the commit itself. */
  #commitAndAnnounce(announcer: CommitAnnouncer, callback?: unknown): unknown {
    const committed = (super.query(commitReportingWriteSql) as unknown as Promise<unknown>).then(async (results) => {
      if (commitWrote(results)) await announcer.announce();
      return Array.isArray(results) ? results.at(-1) : results;
    });
    if (typeof callback !== 'function') return committed;
    committed.then(
      (result) => (callback as (error: null, result: unknown) => void)(null, result),
      (error: unknown) => (callback as (error: unknown) => void)(error),
    );
    return undefined;
  }
}

export interface PostgresStoreOptions {
  /** A schema to create and use instead of `public`, so that tests can share one database. */
  readonly schema?: string;
}

export async function openPostgresStore(url: string, now: number, options: PostgresStoreOptions = {}): Promise<KyselyStore> {
  const sessionOptions = options.schema === undefined ? undefined : `-c search_path=${options.schema}`;
  // Each commit that wrote is announced to the other processes, which listen on a connection of
  // their own, so that their cached reads forget it (commit-listener.ts).
  const origin = randomUUID();
  const commitAnnouncer = new CommitAnnouncer({ connectionString: url, sessionOptions, connectionTimeoutMillis: postgresConnectTimeoutMs, origin });
  const rawPool = new pg.Pool({
    // Given to each client (NamedStatementClient), which announces its commits.
    ...({ commitAnnouncer } as pg.PoolConfig),
    Client: NamedStatementClient,
    connectionString: url,
    max: postgresPoolSize,
    connectionTimeoutMillis: postgresConnectTimeoutMs,
    keepAlive: true,
    // Integers are 64-bit in the schema (seconds, micro-dollars); they fit a JS number exactly.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === int8Oid || oid === numericOid ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle connection lost (PostgreSQL stopped or restarted): the pool has dropped it already and
  // connects anew on the next request; this only stops the 'error' event from ending the process.
  rawPool.on('error', () => {});
  const pool = gatePool(rawPool, postgresPoolSize, postgresConnectionWaitMs);
  if (options.schema !== undefined) {
    // IF NOT EXISTS is not atomic: processes starting together may race to create it, and all but
    // one are told it exists, one way or another.
    await rawPool.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`).catch((error: unknown) => {
      if (pgCode(error) !== '23505' && pgCode(error) !== '42P06') throw error;
    });
  }
  const db = new Kysely<Database>({ dialect: new AnnouncingPostgresDialect({ pool }) });
  const commitWatch = new CommitListener({
    connectionString: url,
    sessionOptions,
    connectionTimeoutMillis: postgresConnectTimeoutMs,
    origin,
  });
  // The leader's lock lives as long as a session: one connection kept for it alone.
  let leaderClient: pg.PoolClient | null = null;
  const tryLeadership = async (): Promise<boolean> => {
    try {
      if (leaderClient === null) leaderClient = await pool.connect();
      const result = await leaderClient.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS locked', [leaderLockClass]);
      return result.rows[0]!.locked;
    } catch (error) {
      // The session is given up (its lock, if it still held one, goes with it on the server) and
      // the next ask connects anew. The failure is the caller's to see: a database away is not
      // "another process leads" (the engine pauses on it, engine/engine.ts).
      leaderClient?.release(true);
      leaderClient = null;
      throw error;
    }
  };
  /** Sends a read (or any statement) ahead in a transaction: its answer comes later (`DialectAdapter.readAhead`). */
  const readAhead = async <Row>(on: Kysely<Database>, text: string, parameters: readonly unknown[]): Promise<{ readonly rows: Promise<Row[]> }> => {
    if (!on.isTransaction) return { rows: Promise.resolve((await on.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]))).rows) };
    const { rows } = await on.executeQuery<{ answer: Promise<pg.QueryResult> }>(CompiledQuery.raw(readAheadText(text), [...parameters]));
    const answered = rows[0]!.answer.then((result) => result.rows as Row[]);
    // Its caller may never ask for it: an error ahead of it (a deadlock in a fill's lock round)
    // fails the transaction before its turn, and an unhandled rejection would end the process.
    answered.catch(() => {});
    return { rows: answered };
  };
  const adapter: DialectAdapter = {
    dialect: 'postgres',
    db,
    jsonObjectEntries: (column) => sql`jsonb_each_text(${sql.ref(column)}::jsonb)`,
    // As text, like SQLite's, so that both are decoded alike.
    jsonArrayText: (query) => sql<string>`(${jsonArrayFrom(query)})::text`,
    runCompiled: async <Row>(on: Kysely<Database>, text: string, parameters: readonly unknown[]) => {
      nameStatement(text);
      // In a transaction, sent ahead: Kysely is answered at once, so that a statement the
      // transaction starts meanwhile (a transfer reads its pools and its SKU together) goes on
      // the wire without waiting for this one's answer. Awaited at once, it is as before.
      if (on.isTransaction) return (await readAhead<Row>(on, text, parameters)).rows;
      return (await on.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]))).rows;
    },
    supportsRowLocks: true,
    deferWrite: async (on, query, mode, table, key) => {
      const compiled = query.compile();
      // Held only in a transaction, whose end sends what it holds; a connection is given back
      // to the pool after its transaction, never holding another's writes.
      await on.executeQuery(on.isTransaction ? CompiledQuery.raw(deferredText(compiled.sql, mode, table, key), [...compiled.parameters]) : compiled);
    },
    readAhead,
    transactionLock: async (on, name) => {
      const lock = sql`SELECT pg_advisory_xact_lock(${transactionLockClass}, hashtext(current_schema() || ' ' || ${name}))`.compile(on);
      // Pipelined in a transaction: the next statement is sent at once, to run once the lock is
      // taken, without waiting for this process to hear that it was (a book's lock is held across
      // every statement of a fill; this is one wait fewer while it is held).
      await on.executeQuery(on.isTransaction ? CompiledQuery.raw(pipelinedText(lock.sql), [...lock.parameters]) : lock);
    },
    soleWriter: false,
    groupsCommits: false,
    durability: null,
    commitWatch,
    commitsHeardEverywhereMs,
    isUniqueViolation: (error) => pgCode(error) === '23505',
    // Serialization failures, deadlocks, and a lock not taken without waiting (55P03: lockBalances).
    isTransientConflict: (error) => pgCode(error) === '40001' || pgCode(error) === '40P01' || pgCode(error) === '55P03',
    isUnavailable: isPostgresUnavailable,
    tryLeadership,
    // The leader's connection takes no other advisory lock, so any two-key one it holds is it.
    holdsLeadership: async () => {
      if (leaderClient === null) return false;
      try {
        const result = await leaderClient.query<{ held: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND pid = pg_backend_pid()) AS held");
        return result.rows[0]!.held;
      } catch {
        return false;
      }
    },
    sessionLock: (name) => takeSessionLock(url, sessionOptions, name),
    close: async () => {
      await commitWatch.close();
      await commitAnnouncer.close();
      leaderClient?.release(true);
      leaderClient = null;
      await db.destroy();
    },
  };
  try {
    await migrate(db, { seq: 'BIGSERIAL PRIMARY KEY', int: 'BIGINT', fillfactor: true }, now, async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${migrationLockKey})`.execute(trx);
    });
  } catch (error) {
    await commitWatch.close();
    await commitAnnouncer.close();
    await db.destroy();
    throw error;
  }
  commitWatch.start();
  return new KyselyStore(adapter);
}

/**
 * Takes the session-level advisory lock `name` on a connection of its own, outside the pool (the
 * work it guards needs the pool's connections), waiting for it. The lock lasts as long as the
 * session: released when the connection is closed, and by the server when the process dies or
 * the connection is lost, which `lost()` then tells.
 */
async function takeSessionLock(url: string, sessionOptions: string | undefined, name: string): Promise<SessionLock> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: postgresConnectTimeoutMs,
    keepAlive: true,
    application_name: 'allot session lock',
    ...(sessionOptions === undefined ? {} : { options: sessionOptions }),
  });
  let lost = false;
  // A lost connection: an 'error' nobody heard would end the process.
  client.on('error', () => (lost = true));
  client.on('end', () => (lost = true));
  const release = async () => {
    await client.end().catch(() => {});
  };
  try {
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1, hashtext(current_schema() || \' \' || $2))', [sessionLockClass, name]);
  } catch (error) {
    await release();
    throw error;
  }
  return { lost: () => lost, release };
}

function pgCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
}

/** Answers a statement that was held or pipelined, as `pg` would: a promise, or the callback. */
function answerAtOnce(answer: unknown, callback: unknown): unknown {
  if (typeof callback !== 'function') return Promise.resolve(answer);
  queueMicrotask(() => (callback as (error: null, result: unknown) => void)(null, answer));
  return undefined;
}
