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
