// Allocation's records and repositories: pools, instance SKUs (the unit allocation is counted
// in), the ledger of node-seconds and its balances, and pool transfers.

import type { PageRequest } from '../domain/kernel/pagination.js';
import type { SkuProperties } from '../domain/allocation/instance-skus.js';
import type { EntryKind } from '../domain/allocation/ledger.js';
import type { PoolKind } from '../domain/allocation/pools.js';
import type { Schedule } from '../domain/kernel/schedule.js';
import type { TagFilter, Tags } from '../domain/kernel/tags.js';
import type { Ahead, DeletedContainerContent, NamedWrite } from './kernel.js';

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

/** A pool with what it holds, read in one statement: its allocation by SKU and the live
 * deployments and procurements that target it, each list in a fixed order. */
export interface PoolWithHoldings extends PoolView {
  /** By SKU id. */
  readonly balances: readonly { readonly instanceSkuId: string; readonly schedule: Schedule }[];
  /** Oldest first. */
  readonly deployments: readonly { readonly id: string; readonly name: string; readonly kind: 'generic' | 'spot' }[];
  /** Oldest first. */
  readonly procurements: readonly { readonly id: string; readonly name: string }[];
}

export interface PoolListFilter {
  readonly accountId: string;
  readonly workspaceId: string | null;
  /** When set, only these pool ids (already resolved from ids, paths and names). */
  readonly ids: readonly string[] | null;
  readonly tags: TagFilter;
}

export interface InstanceSkuRecord {
  readonly seq: number;
  readonly id: string;
  readonly alias: string;
  readonly properties: SkuProperties;
  readonly createdAt: number;
}

/** One balanced change of allocation: `delta` leaves `fromPoolId` and enters `toPoolId`. */
export interface AllocationEntryRecord {
  readonly id: string;
  readonly kind: EntryKind;
  readonly instanceSkuId: string;
  /** Null for an issuance: the allocation comes from outside the system. */
  readonly fromPoolId: string | null;
  /** Null for a retirement: the allocation leaves the system. */
  readonly toPoolId: string | null;
  readonly delta: Schedule;
  /** The transfer (or, later, contract) the entry belongs to. */
  readonly referenceId: string | null;
  readonly createdAt: number;
}

/** What one pool holds of one SKU. */
export interface BalanceRecord {
  readonly poolId: string;
  readonly instanceSkuId: string;
  readonly schedule: Schedule;
  /** When the schedule next changes after it was last written or reconciled (null: never). */
  readonly nextBoundaryAt?: number | null;
}

/** A pool and SKU whose allocation changes at `at`, which is due for reconciling then. */
export interface DueBoundary {
  readonly poolId: string;
  readonly instanceSkuId: string;
  readonly at: number;
}

import type { PoolTransferStatus } from '../domain/allocation/pool-transfers.js';
export type { PoolTransferStatus };

export interface PoolTransferRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly fromPoolId: string;
  readonly toPoolId: string;
  readonly instanceSkuId: string;
  readonly delta: Schedule;
  readonly status: PoolTransferStatus;
  readonly rejectedReason: string | null;
  readonly createdAt: number;
}

/** A transfer with its SKU's alias, as reads return it. */
export interface PoolTransferView extends PoolTransferRecord {
  readonly instanceSkuAlias: string;
}

export interface PoolTransferListFilter {
  readonly accountId: string;
  /** When set, transfers from or to any of these pools. */
  readonly poolIds: readonly string[] | null;
  readonly status: PoolTransferStatus | null;
}

export interface PoolRepository {
  insert(pool: Omit<PoolRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<PoolView | undefined>;
  /**
   * The account's live pools among `ids`, read and locked in one statement as `lockLive` locks
   * them (so that a later `lockLive` of them sends nothing): a move's pools, found and held
   * against deletion at once. A pool deleted by a transaction that committed first is missing.
   */
  findLiveLocked(accountId: string, ids: readonly string[]): Promise<PoolView[]>;
  /** Any account's pool: for the operator. */
  findByIdForOperator(id: string): Promise<PoolView | undefined>;
  findByName(workspaceId: string, name: string): Promise<PoolView | undefined>;
  findWithHoldingsById(accountId: string, id: string): Promise<PoolWithHoldings | undefined>;
  findWithHoldingsByName(workspaceId: string, name: string): Promise<PoolWithHoldings | undefined>;
  listWithHoldings(filter: PoolListFilter, page: PageRequest): Promise<PoolWithHoldings[]>;
  countInWorkspace(workspaceId: string): Promise<number>;
  update(id: string, changes: { readonly name?: string; readonly tags?: Tags }): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
  /**
   * Locks a pool against everything that adds to it, before deciding to change or delete it
   * (FOR NO KEY UPDATE on PostgreSQL; SQLite's transactions hold the database already). False
   * when the pool was deleted meanwhile. See the lock order in docs/architecture.md.
   */
  lockForChange(id: string): Promise<boolean>;
  /**
   * Locks these pools in id order so that none can be deleted until the transaction ends (FOR
   * SHARE on PostgreSQL, which deletions' FOR NO KEY UPDATE waits for), and returns those still
   * live: a pool deleted by a transaction that committed first is missing.
   */
  lockLive(ids: readonly string[]): Promise<Set<string>>;
  /** `lockLive`, sent ahead of the next statements (`Ahead`). */
  lockLiveAhead(ids: readonly string[]): Promise<Ahead<Set<string>>>;
  /** Every deleted pool with when it was deleted, for audits. */
  listDeleted(): Promise<{ readonly id: string; readonly deletedAt: number }[]>;
  /** What is still live in a deleted pool (live instances, resting orders, deployments,
   * procurements), for audits: a pool is deleted only when it holds none of them. */
  liveContentsOfDeleted(): Promise<DeletedContainerContent[]>;
}


export interface InstanceSkuRepository {
  /** Refused with `name_taken` when the alias is in use. */
  insert(sku: Omit<InstanceSkuRecord, 'seq'>): Promise<NamedWrite>;
  findById(id: string): Promise<InstanceSkuRecord | undefined>;
  list(page: PageRequest): Promise<InstanceSkuRecord[]>;
  /** Every SKU, newest first: the catalogue is small. */
  listAll(): Promise<InstanceSkuRecord[]>;
}

export interface AllocationRepository {
  insertEntry(entry: AllocationEntryRecord): Promise<void>;
  /**
   * The balances of these pools' SKUs, locked until the transaction ends so that no concurrent
   * transaction can spend them (rows are locked in key order, so two transactions never wait on
   * each other in a cycle). Keys must be distinct. A pool that holds none of a SKU reads as the empty schedule.
   */
  lockBalances(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<BalanceRecord[]>;
  /** `lockBalances`, sent ahead of the next statements (`Ahead`). */
  lockBalancesAhead(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<Ahead<BalanceRecord[]>>;
  /** Writes one or two balances (a move's), each with the time it next changes after now (null:
   * never), in one statement. */
  setBalances(balances: readonly { readonly balance: BalanceRecord; readonly nextBoundaryAt: number | null }[]): Promise<void>;
  /**
   * A move's writes, once its balances are locked: its one or two balances (as `setBalances`)
   * and its entry, in as few statements as the engine allows (one on PostgreSQL). Answers which
   * of the balances' pools have live instances (running or awaiting allocation) of the SKU, read
   * after the locks were taken, so that none created before is missed.
   */
  writeMove(balances: readonly { readonly balance: BalanceRecord; readonly nextBoundaryAt: number | null }[], entry: AllocationEntryRecord): Promise<Set<string>>;
  /** `writeMove` without its answer, held back and sent with the transaction's next statement,
   * which hears its error (postgres/deferred-writes.ts): for a caller who read which pools have
   * instances to follow (`occupiedAhead`). */
  writeMoveDeferred(balances: readonly { readonly balance: BalanceRecord; readonly nextBoundaryAt: number | null }[], entry: AllocationEntryRecord): Promise<void>;
  /**
   * Which of these pools have live instances of the SKU, as `writeMove` answers: sent after their
   * balances' lock (`lockBalancesAhead`), it begins once they are locked, so no instance created
   * by a transaction that held them before is missed, and none is created until this one ends.
   */
  occupiedAhead(instanceSkuId: string, poolIds: readonly string[]): Promise<Ahead<Set<string>>>;
  balanceOf(poolId: string, instanceSkuId: string): Promise<BalanceRecord | undefined>;
  /** `balanceOf`, sent ahead of the next statements (`Ahead`), not locked: a sell's cover, read
   * before the fill locks its balances with the others' in key order. */
  balanceOfAhead(poolId: string, instanceSkuId: string): Promise<Ahead<BalanceRecord | undefined>>;
  /** Balances whose next boundary is at or before `upTo`, earliest first. */
  dueBoundaries(upTo: number, limit: number): Promise<DueBoundary[]>;
  setNextBoundary(poolId: string, instanceSkuId: string, nextBoundaryAt: number | null): Promise<void>;
  /** `setNextBoundary` for many balances at once: one statement per SKU and next boundary (an advance's batch has few), not one per balance. */
  setNextBoundaries(changes: readonly { readonly poolId: string; readonly instanceSkuId: string; readonly nextBoundaryAt: number | null }[]): Promise<void>;
  /** Everything, for audits: every entry and every balance. */
  allEntries(): Promise<AllocationEntryRecord[]>;
  allBalances(): Promise<BalanceRecord[]>;
}

export interface PoolTransferRepository {
  /** Records a transfer and answers it as reads would, given its SKU's alias: no read back. */
  insert(transfer: Omit<PoolTransferRecord, 'seq'>, instanceSkuAlias: string): Promise<PoolTransferView>;
  /** Marks a transfer recorded in this transaction as rejected, with why. */
  markRejected(id: string, rejectedReason: string): Promise<void>;
  findById(accountId: string, id: string): Promise<PoolTransferView | undefined>;
  list(filter: PoolTransferListFilter, page: PageRequest): Promise<PoolTransferView[]>;
}
