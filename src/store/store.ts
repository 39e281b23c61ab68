// The one interface every use case talks to. Two implementations share it: SQLite (embedded, the
// default) and PostgreSQL (several allot processes over one database), both in
// kysely-store.ts with their differences in sqlite/ and postgres/. The contract suite in
// test/store runs against both.

import type { PageRequest } from '../domain/pagination.js';
import type { PoolKind } from '../domain/pools.js';
import type { TagFilter, Tags } from '../domain/tags.js';

export interface AccountRecord {
  readonly seq: number;
  readonly id: string;
  readonly name: string;
  readonly defaultWorkspaceId: string;
  readonly createdAt: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly accountId: string;
  readonly tokenHash: string;
  readonly suffix: string;
  readonly createdAt: number;
}

export interface WorkspaceRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly createdAt: number;
}


export interface PoolRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly kind: PoolKind;
  readonly tags: Tags;
  readonly createdAt: number;
}

/** A pool with the workspace name its resource path needs, as reads return it. */
export interface PoolView extends PoolRecord {
  readonly workspaceName: string;
}

export interface PoolListFilter {
  readonly accountId: string;
  readonly workspaceId: string | null;
  /** When set, only these pool ids (already resolved from ids, paths and names). */
  readonly ids: readonly string[] | null;
  readonly tags: TagFilter;
}

export interface IdempotencyRecord {
  readonly accountId: string;
  readonly key: string;
  readonly operation: string;
  readonly requestHash: string;
  readonly statusCode: number;
  readonly responseBody: unknown;
  readonly createdAt: number;
}

export interface AccountRepository {
  insert(account: Omit<AccountRecord, 'seq'>): Promise<void>;
  find(id: string): Promise<AccountRecord | undefined>;
  list(page: PageRequest): Promise<AccountRecord[]>;
  count(): Promise<number>;
}

export interface TokenRepository {
  insert(token: TokenRecord): Promise<void>;
  findAccountIdByHash(tokenHash: string): Promise<string | undefined>;
}

/**
 * The outcome of a write that a uniqueness rule can refuse when a concurrent transaction took the
 * name first. After `name_taken` the transaction must end: PostgreSQL has aborted it.
 */
export type NamedWrite = 'written' | 'name_taken';

export interface WorkspaceRepository {
  insert(workspace: Omit<WorkspaceRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<WorkspaceRecord | undefined>;
  findByName(accountId: string, name: string): Promise<WorkspaceRecord | undefined>;
  /** The account's live workspaces, newest first. */
  list(accountId: string): Promise<WorkspaceRecord[]>;
  count(accountId: string): Promise<number>;
  rename(id: string, name: string): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
}

export interface PoolRepository {
  insert(pool: Omit<PoolRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<PoolView | undefined>;
  findByName(workspaceId: string, name: string): Promise<PoolView | undefined>;
  list(filter: PoolListFilter, page: PageRequest): Promise<PoolView[]>;
  countInWorkspace(workspaceId: string): Promise<number>;
  update(id: string, changes: { readonly name?: string; readonly tags?: Tags }): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
}

export interface SettingRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

export interface IdempotencyRepository {
  find(accountId: string, key: string): Promise<IdempotencyRecord | undefined>;
  insert(record: IdempotencyRecord): Promise<void>;
  deleteOlderThan(createdBefore: number): Promise<number>;
}

/** What one transaction can read and write. */
export interface Tx {
  readonly accounts: AccountRepository;
  readonly tokens: TokenRepository;
  readonly workspaces: WorkspaceRepository;
  readonly pools: PoolRepository;
  readonly settings: SettingRepository;
  readonly idempotency: IdempotencyRepository;
}

export type StoreDialect = 'sqlite' | 'postgres';

export interface Store {
  readonly dialect: StoreDialect;
  /**
   * Runs `work` as one transaction. It commits when `work` returns a result and rolls back when
   * it returns a Failure (see domain/failures.ts) or throws, so a refused request never leaves a trace. Transient
   * conflicts between concurrent transactions (PostgreSQL serialization failures and deadlocks)
   * are retried a bounded number of times.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `work`, which only reads, on one connection held for its duration, without BEGIN and
   * COMMIT. On SQLite the connection is the process's only one, so nothing interleaves; on
   * PostgreSQL at READ COMMITTED a transaction would give each statement its own snapshot all
   * the same. Reads that must see one snapshot, or that decide a write, use `transaction`.
   */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
