// Tells, for Store.readCached on PostgreSQL, whether anything has committed since a remembered
// read. `pg_current_snapshot()` names the transactions a statement sees as finished: everything
// below `xmin`, and everything below `xmax` except those listed as running. Any transaction that
// changes data holds a transaction id and, as it commits or rolls back, leaves that list or raises
// `xmax`. So two snapshots read one after the other with the same text mean that no transaction
// that wrote anything finished in between, in any process: what was read after the first still
// holds at the second. Read-only work takes no transaction id and changes nothing.
//
// One query runs at a time, on a connection of its own, and every caller waiting for one that
// began after it asked shares it: the cost per read is a fraction of a round trip however many
// read at once. The answer is only ever too cautious (a commit in another schema or database of
// the cluster also changes the text), never stale.

import pg from 'pg';

export interface SnapshotWatchOptions {
  readonly connectionString: string;
  readonly connectionTimeoutMillis: number;
}

export class SnapshotWatch {
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  /** The query under way, if any. */
  #running: Promise<void> | null = null;
  /** The next query, started when the running one ends, shared by whoever asked meanwhile. */
  #queued: Promise<void> | null = null;
  /** The text of the last snapshot read, and how many times it has changed. */
  #text = '';
  #changes = 0;
  #closed = false;

  constructor(private readonly options: SnapshotWatchOptions) {}

  /**
   * Waits for a snapshot read by a query that began after this call, and answers the number of
   * changes seen so far (the same number as before: nothing finished since the last one read).
   * Throws when the database cannot be asked.
   */
  async fresh(): Promise<number> {
    if (this.#running === null) {
      await this.#start();
    } else {
      // The running query may have begun before this call: wait for the one after it.
      this.#queued ??= this.#running.then(noop, noop).then(() => {
        this.#queued = null;
        return this.#running ?? this.#start();
      });
      await this.#queued;
    }
    return this.#changes;
  }

  /** The number of changes seen so far, without asking. */
  get changes(): number {
    return this.#changes;
  }

  #start(): Promise<void> {
    const running = this.#read().finally(() => {
      if (this.#running === running) this.#running = null;
    });
    this.#running = running;
    return running;
  }

  async #read(): Promise<void> {
    try {
      const client = await this.#connect();
      const result = await client.query<{ snapshot: string }>({ name: 'allot_snapshot', text: 'SELECT pg_current_snapshot()::text AS snapshot' });
      const text = result.rows[0]!.snapshot;
      if (text !== this.#text) {
        this.#text = text;
        this.#changes++;
      }
    } catch (error) {
      // Whatever was read before cannot be vouched for any more, nor anything until asked again.
      this.#text = '';
      this.#changes++;
      this.#drop();
      throw error;
    }
  }

  #connect(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('SnapshotWatch closed'));
    if (this.#client !== null) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.options.connectionString, connectionTimeoutMillis: this.options.connectionTimeoutMillis, keepAlive: true });
      // A lost connection fails the query under way; an 'error' nobody heard would end the process.
      client.on('error', () => this.#drop());
      try {
        await client.connect();
      } catch (error) {
        client.end().catch(noop);
        throw error;
      } finally {
        this.#connecting = null;
      }
      if (this.#closed) {
        await client.end().catch(noop);
        throw new Error('SnapshotWatch closed');
      }
      this.#client = client;
      return client;
    })();
    return this.#connecting;
  }

  #drop(): void {
    const client = this.#client;
    this.#client = null;
    client?.end().catch(noop);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(noop);
  }
}

function noop(): void {}
