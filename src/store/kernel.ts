// What every context's records share: the outcome of a write a unique name can refuse, settings,
// and stored idempotency keys.

export interface IdempotencyRecord {
  readonly accountId: string;
  readonly key: string;
  readonly operation: string;
  readonly requestHash: string;
  readonly statusCode: number;
  readonly responseBody: unknown;
  readonly createdAt: number;
}

/**
 * A read sent ahead of the transaction's next statements (`DialectAdapter.readAhead`): asked, it
 * answers what the read found. Reads sent one after another this way cost one round trip on
 * PostgreSQL; ask each before relying on what it locked.
 */
export type Ahead<T> = () => Promise<T>;

/**
 * The outcome of a write that a uniqueness rule can refuse when a concurrent transaction took the
 * name first. After `name_taken` the transaction must end: PostgreSQL has aborted it.
 */
export type NamedWrite = 'written' | 'name_taken';

export interface SettingRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Sets the value unless the key has one, and returns the value the key ends up with: the
   * first writer wins when several processes start at once. */
  setIfAbsent(key: string, value: string): Promise<string>;
  /** Reads a setting and holds its row until the transaction ends (FOR UPDATE on PostgreSQL;
   * SQLite transactions hold the database already), for a read-modify-write of one value. */
  getForUpdate(key: string): Promise<string | undefined>;
  /** Sets a whole number unless the key holds a larger one already, in one statement (the row
   * is held until the commit, so two raises never cross): a value that only goes up. */
  raise(key: string, value: number): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface IdempotencyRepository {
  find(accountId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Returns false, writing nothing, when the key was stored meanwhile by another transaction. */
  insert(record: IdempotencyRecord): Promise<boolean>;
  delete(accountId: string, key: string): Promise<void>;
  deleteOlderThan(createdBefore: number): Promise<number>;
}

/** Something live inside a deleted pool or workspace, as the audit reports it. */
export interface DeletedContainerContent {
  readonly kind: 'instance' | 'resting order' | 'deployment' | 'procurement' | 'pool' | 'image' | 'instance template';
  readonly id: string;
  readonly containerId: string;
}

/**
 * The whole state at once, for the operator's reset (app/operator/reset.ts): what it must know
 * before clearing, and the clearing itself, inside the caller's transaction.
 */
export interface DatasetRepository {
  /** Instances whose guest may still be on a host: a run record not yet stopped, failed or removed. */
  countLiveGuestRuns(): Promise<number>;
  /** The ids of every image, whose bytes the blob store keeps outside the database. */
  imageIds(): Promise<string[]>;
  /**
   * Deletes every row of every table but the schema's version and the host tokens, and every setting but those named
   * in `keepSettings`. Tables are found in the database's catalogue, so a table a later migration
   * adds is cleared too. SQLite defers its foreign keys to the commit; PostgreSQL truncates the
   * tables in one statement (which locks each until the commit: other processes wait, and then
   * see the new state, never half of it).
   */
  clear(keepSettings: readonly string[]): Promise<void>;
}
