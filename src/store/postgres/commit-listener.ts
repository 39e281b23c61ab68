// Tells, for Store.readCached on PostgreSQL, whether another allot process has committed a write
// since a remembered read, without asking the database on the read's path. Every transaction
// that wrote (one holding a transaction id) notifies a channel named for its schema as part of
// its COMMIT (`commitSql`, one round trip with the commit), and each process LISTENs on that
// channel over a connection of its own: every notification from another process counts as a
// change, and the store forgets what it remembered.
//
// PostgreSQL delivers a notification only once its transaction is visible to other snapshots,
// so a read begun before a change arrived that missed the commit is never remembered past it.
// The guarantee is therefore: a process sees its own writes at once (KyselyStore counts its own
// transactions), and another process's once their notification has reached it, normally well
// under a millisecond after the commit. A heartbeat asks the connection every
// `postgresCommitListenHeartbeatMs`, and PostgreSQL sends the notifications pending before a
// query's answer (ReadyForQuery), so an answer vouches for every commit acknowledged before its
// question was asked; remembered reads are served only while the last answer's question was
// asked within `postgresCommitListenStaleMs`. So a commit acknowledged that long ago has been
// heard of by every process that serves a remembered read (`commitsHeardEverywhereMs`).
//
// Nothing is vouched for while the connection is not known to be listening: before its first
// LISTEN, after it is lost (until a new one has been confirmed, when everything remembered is
// dropped, since notifications sent meanwhile are lost), and while a heartbeat on it is
// overdue (a connection that went silent without closing). Then reads go to the database.

import { CompiledQuery, type DatabaseConnection, type Driver, PostgresDialect, type PostgresDialectConfig, PostgresDriver } from 'kysely';
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

/** The SQL that commits a transaction on PostgreSQL, notifying the listeners if it wrote anything.
 * Simple protocol (no parameters), so the two statements go in one round trip. */
export function commitSql(origin: string): string {
  if (!/^[0-9a-z_-]+$/i.test(origin)) throw new Error(`commit origin must be a plain word: ${origin}`);
  return `SELECT pg_notify(${channelSql}, '${origin}') WHERE txid_current_if_assigned() IS NOT NULL; COMMIT`;
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

/** PostgreSQL's dialect whose transactions commit with `commitSql`, notifying the listeners. */
export class NotifyingPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;
  readonly #commitText: string;

  constructor(config: PostgresDialectConfig, origin: string) {
    super(config);
    this.#config = config;
    this.#commitText = commitSql(origin);
  }

  override createDriver(): Driver {
    return new NotifyingPostgresDriver(this.#config, this.#commitText);
  }
}

class NotifyingPostgresDriver extends PostgresDriver {
  readonly #commitText: string;

  constructor(config: PostgresDialectConfig, commitText: string) {
    super(config);
    this.#commitText = commitText;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw(this.#commitText));
    } catch (error) {
      // A transaction already failed (a statement's error caught as a value) refuses the SELECT,
      // and the COMMIT after it is skipped: commit as PostgreSQL does such a one, rolling it back,
      // with nothing to notify.
      if (!isFailedTransaction(error)) throw error;
      await connection.executeQuery(CompiledQuery.raw('commit'));
    }
  }
}
