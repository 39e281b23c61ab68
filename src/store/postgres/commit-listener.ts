// Tells, for Store.readCached on PostgreSQL, whether another allot process has committed a write
// since a remembered read, without asking the database on the read's path. Every transaction
// that wrote (one holding a transaction id) is announced once it has committed and before it is
// answered: a notification on a channel named for its schema, sent by `CommitAnnouncer` on a
// connection of its own, one notification for every commit that finished while the one before
// was on its way. Each process LISTENs on that channel over another connection of its own: every
// notification from another process counts as a change, and the store forgets what it
// remembered.
//
// The notification is not sent by the writing transaction itself (it was, in its COMMIT, until
// measured): PostgreSQL (to 17 at least) takes one lock for the whole cluster from a notifying
// transaction's commit until its end, its WAL flush included, so every notifying commit waited
// on every other one, across databases, and lost PostgreSQL's group commit. Sent apart, with
// `synchronous_commit=off` (a notification needs no durability: a crash loses the listeners'
// connections too, and they forget everything), the lock is held for no flush, and one
// notification stands for many commits.
//
// A notification is delivered only once it committed, after the commits it stands for, so a
// read begun before a change arrived that missed the commit is never remembered past it. The
// guarantee is therefore: a process sees its own writes at once (KyselyStore counts its own
// transactions), and another process's once their notification has reached it, normally about
// a millisecond after the commit. A commit whose process died (or lost the announcing
// connection) before announcing it is never notified; so a remembered read is served at most
// `postgresCommitListenStaleMs` after it began, which bounds how long any commit acknowledged
// can go unseen whatever happens to notifications. A heartbeat asks the listening connection
// every `postgresCommitListenHeartbeatMs` too, and PostgreSQL sends the notifications pending
// before a query's answer (ReadyForQuery), so an answer vouches for every commit announced
// before its question was asked; remembered reads are served only while the last answer's
// question was asked within `postgresCommitListenStaleMs`.
//
// Nothing is vouched for while the connection is not known to be listening: before its first
// LISTEN, after it is lost (until a new one has been confirmed, when everything remembered is
// dropped, since notifications sent meanwhile are lost), and while a heartbeat on it is
// overdue (a connection that went silent without closing). Then reads go to the database.

import { CompiledQuery, type DatabaseConnection, type Driver, PostgresDialect, type PostgresDialectConfig, PostgresDriver, type TransactionSettings } from 'kysely';
import { pipelinedText } from './deferred-writes.js';
import pg from 'pg';
import { postgresCommitListenHeartbeatMs, postgresCommitListenRetryMs, postgresCommitListenStaleMs } from '../../domain/kernel/limits.js';
import type { CommitWatch } from '../dialect-adapter.js';

/** The channel of the schema the session uses: an identifier under PostgreSQL's 63 bytes
 * whatever the schema's name, the same when computed by the listener and by a committer. */
const channelSql = `'allot_commits_' || left(md5(coalesce(current_schema(), '')), 16)`;

export interface CommitListenerOptions {
  readonly connectionString: string;
  /** The session's settings (`-c search_path=…`), as the store's pool has them. */
  readonly sessionOptions?: string | undefined;
  readonly connectionTimeoutMillis: number;
  /** Marks this process's own notifications, which it has counted already as its transactions ended. */
  readonly origin: string;
}

/** The SQL that commits a transaction on PostgreSQL and tells whether it wrote anything (held a
 * transaction id), so that only those are announced. Simple protocol (no parameters), so the two
 * statements go in one round trip; `pg` answers both results (see `commitWrote`). */
export const commitReportingWriteSql = 'SELECT txid_current_if_assigned() IS NOT NULL AS wrote; COMMIT';

/** Whether the transaction `commitReportingWriteSql` committed had written, from `pg`'s results. */
export function commitWrote(results: unknown): boolean {
  const [report] = Array.isArray(results) ? (results as { rows?: { wrote?: unknown }[] }[]) : [];
  return report?.rows?.[0]?.wrote === true;
}

export interface CommitAnnouncerOptions {
  readonly connectionString: string;
  /** The session's settings (`-c search_path=…`), as the store's pool has them. */
  readonly sessionOptions?: string | undefined;
  readonly connectionTimeoutMillis: number;
  /** Marks this process's notifications, which its own listener ignores. */
  readonly origin: string;
}

/**
 * Announces this process's commits to the other processes' listeners. `announce` resolves once a
 * notification sent after it was called has committed: at once if none is on its way, else after
 * the next, which every commit that finished meanwhile shares. It never throws: a notification
 * that could not be sent is made up for by remembered reads' expiry (see above).
 */
export class CommitAnnouncer {
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client | null> | null = null;
  /** The notification on its way, if any. */
  #sending: Promise<void> | null = null;
  /** The one to be sent once it has committed, which commits that finish meanwhile share. */
  #queued: Promise<void> | null = null;
  #closed = false;
  readonly #notifySql: string;

  constructor(private readonly options: CommitAnnouncerOptions) {
    if (!/^[0-9a-z_-]+$/i.test(options.origin)) throw new Error(`commit origin must be a plain word: ${options.origin}`);
    this.#notifySql = `SELECT pg_notify(${channelSql}, '${options.origin}')`;
  }

  announce(): Promise<void> {
    if (this.#sending === null) return this.#send();
    // The one on its way may have been sent before this commit finished: the next one covers it.
    return (this.#queued ??= this.#sending.then(() => {
      this.#queued = null;
      return this.#send();
    }));
  }

  #send(): Promise<void> {
    const sent: Promise<void> = this.#notify().then(() => {
      if (this.#sending === sent) this.#sending = null;
    });
    this.#sending = sent;
    return sent;
  }

  async #notify(): Promise<void> {
    if (this.#closed) return;
    const client = this.#client ?? (await (this.#connecting ??= this.#connect()));
    if (client === null) return;
    try {
      await client.query(this.#notifySql);
    } catch {
      this.#drop(client);
    }
  }

  async #connect(): Promise<pg.Client | null> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectionTimeoutMillis,
      keepAlive: true,
      application_name: 'allot commit announcer',
      // A notification that hangs would hold up every commit waiting on it: given up, and its
      // connection dropped, after as long as a remembered read may live anyway.
      query_timeout: postgresCommitListenStaleMs,
      // A notification needs no flush to disk before it is delivered (see above).
      options: `${this.options.sessionOptions ?? ''} -c synchronous_commit=off`.trim(),
    });
    client.on('error', () => this.#drop(client));
    try {
      await client.connect();
      if (this.#closed) throw new Error('closed');
      this.#client = client;
      return client;
    } catch {
      client.end().catch(noop);
      return null;
    } finally {
      this.#connecting = null;
    }
  }

  #drop(client: pg.Client): void {
    if (this.#client === client) this.#client = null;
    client.end().catch(noop);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(noop);
  }
}

/** How long after a commit is acknowledged every process has heard of it or serves no remembered
 * read: what a write waits before it answers when no process may go on trusting what it undid
 * (a token's revocation). */
export const commitsHeardEverywhereMs = postgresCommitListenStaleMs + 10;

export class CommitListener implements CommitWatch {
  #client: pg.Client | null = null;
  #channel = '';
  /** Whether LISTEN has been confirmed on the connection now held. */
  #listening = false;
  /** When the question was asked that the connection answered last (monotonic milliseconds):
   * every commit acknowledged before then has been heard of. */
  #vouchedAtMs = 0;
  #heartbeatInFlight = false;
  #changes = 0;
  #closed = false;
  #heartbeat: NodeJS.Timeout | null = null;
  #retry: NodeJS.Timeout | null = null;

  constructor(private readonly options: CommitListenerOptions) {}

  /** Connects and listens in the background, retrying until closed. */
  start(): void {
    this.#heartbeat ??= setInterval(() => this.#beat(), postgresCommitListenHeartbeatMs);
    this.#heartbeat.unref();
    void this.#connect();
  }

  /** Whether remembered reads may be served: listening, and heard from lately. */
  get trusted(): boolean {
    return this.#listening && monotonicMs() - this.#vouchedAtMs <= postgresCommitListenStaleMs;
  }

  /** How many changes have been seen: other processes' commits, lost and regained connections. */
  get changes(): number {
    return this.#changes;
  }

  /** Resolves once listening is confirmed (for tests and a start that wants the cache at once). */
  async listening(timeoutMs: number): Promise<boolean> {
    const deadline = monotonicMs() + timeoutMs;
    while (!this.trusted && !this.#closed && monotonicMs() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return this.trusted;
  }

  /** The backend's process id of the listening connection (tests end it to show a loss). */
  async backendPid(): Promise<number | null> {
    const client = this.#client;
    if (client === null || !this.#listening) return null;
    return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  }

  async #connect(): Promise<void> {
    if (this.#closed || this.#client !== null) return;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectionTimeoutMillis,
      keepAlive: true,
      application_name: 'allot commit listener',
      ...(this.options.sessionOptions === undefined ? {} : { options: this.options.sessionOptions }),
    });
    this.#client = client;
    // A lost connection: an 'error' nobody heard would end the process.
    client.on('error', () => this.#lose(client));
    client.on('end', () => this.#lose(client));
    client.on('notification', (message) => {
      if (this.#client === client && message.channel === this.#channel && message.payload !== this.options.origin) this.#changes++;
    });
    let askedAtMs = 0;
    try {
      await client.connect();
      // Named for its schema, so that an operator (or a test) can tell whose listener it is.
      const channelQuery = `SELECT ${channelSql} AS channel, set_config('application_name', 'allot commit listener ' || coalesce(current_schema(), ''), false)`;
      const channel = (await client.query<{ channel: string }>(channelQuery)).rows[0]!.channel;
      this.#channel = channel;
      askedAtMs = monotonicMs();
      await client.query(`LISTEN "${channel}"`);
    } catch {
      this.#lose(client);
      return;
    }
    if (this.#client !== client) return;
    // Whatever was remembered before may have missed notifications sent while not listening.
    this.#changes++;
    this.#listening = true;
    this.#vouchedAtMs = askedAtMs;
  }

  #lose(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = null;
    this.#listening = false;
    this.#heartbeatInFlight = false;
    this.#changes++;
    client.end().catch(noop);
    if (this.#closed || this.#retry !== null) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#connect();
    }, postgresCommitListenRetryMs);
    this.#retry.unref();
  }

  #beat(): void {
    const client = this.#client;
    if (client === null) {
      void this.#connect();
      return;
    }
    if (!this.#listening) return;
    if (this.#heartbeatInFlight) {
      // No answer for this long: a connection gone silent without closing. Start again.
      if (monotonicMs() - this.#vouchedAtMs > postgresCommitListenStaleMs * 2) this.#lose(client);
      return;
    }
    this.#heartbeatInFlight = true;
    const askedAtMs = monotonicMs();
    client.query('SELECT 1').then(
      () => {
        if (this.#client !== client) return;
        this.#heartbeatInFlight = false;
        // What was read while the connection was overdue was read unvouched: count a change.
        if (monotonicMs() - this.#vouchedAtMs > postgresCommitListenStaleMs) this.#changes++;
        this.#vouchedAtMs = askedAtMs;
      },
      () => this.#lose(client),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#heartbeat = this.#retry = null;
    const client = this.#client;
    this.#client = null;
    this.#listening = false;
    this.#changes++;
    await client?.end().catch(noop);
  }
}

/** SQLSTATE 25P02, in_failed_sql_transaction. */
function isFailedTransaction(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '25P02';
}

function monotonicMs(): number {
  return performance.now();
}

function noop(): void {}

/** PostgreSQL's dialect whose transactions begin pipelined and commit with
 * `commitReportingWriteSql`; the store's `pg` client announces those that wrote before it
 * answers the commit (postgres-store.ts). */
export class AnnouncingPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;

  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new AnnouncingPostgresDriver(this.#config);
  }
}

class AnnouncingPostgresDriver extends PostgresDriver {
  /** Pipelined (deferred-writes.ts): the transaction's first statement goes out with it, in the
   * same write, instead of a round trip later. */
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel !== undefined || settings.accessMode !== undefined) return super.beginTransaction(connection, settings);
    await connection.executeQuery(CompiledQuery.raw(pipelinedText('begin')));
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw(commitReportingWriteSql));
    } catch (error) {
      // A transaction already failed (a statement's error caught as a value) refuses the SELECT,
      // and the COMMIT after it is skipped: commit as PostgreSQL does such a one, rolling it back,
      // with nothing to announce.
      if (!isFailedTransaction(error)) throw error;
      await connection.executeQuery(CompiledQuery.raw('commit'));
    }
  }
}
