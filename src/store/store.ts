// The one interface every use case talks to: the Store and what one transaction holds. Each
// bounded context's records and repositories are in store/<context>.ts. Two implementations
// share it: SQLite (embedded, the default) and PostgreSQL (several allot processes over one
// database), both in kysely-store.ts with their differences in sqlite/ and postgres/. The
// contract suite in test/store runs against both.

import type { AccountRepository, FeatureFlagRepository, TokenRepository, UserRepository, WorkspaceRepository } from './tenancy.js';
import type { AllocationRepository, InstanceSkuRepository, PoolRepository, PoolTransferRepository } from './allocation.js';
import type { DeploymentRepository, ImageRepository, InstanceRepository, InstanceRunRepository, InstanceTemplateRepository } from './compute.js';
import type { AccountTransactionRepository, ContractRepository, MoneyRepository, OrderRepository, ProcurementRepository } from './market.js';
import type { NodeRepository } from './nodes-v1.js';
import type { FleetRepository } from './fleet.js';
import type { DatasetRepository, IdempotencyRepository, SettingRepository } from './kernel.js';

/** What one transaction can read and write. */
export interface Tx {
  readonly accounts: AccountRepository;
  readonly tokens: TokenRepository;
  readonly users: UserRepository;
  readonly featureFlags: FeatureFlagRepository;
  readonly workspaces: WorkspaceRepository;
  readonly pools: PoolRepository;
  readonly instanceSkus: InstanceSkuRepository;
  readonly allocation: AllocationRepository;
  readonly poolTransfers: PoolTransferRepository;
  readonly images: ImageRepository;
  readonly instanceTemplates: InstanceTemplateRepository;
  readonly deployments: DeploymentRepository;
  readonly instances: InstanceRepository;
  readonly instanceRuns: InstanceRunRepository;
  readonly orders: OrderRepository;
  readonly contracts: ContractRepository;
  readonly money: MoneyRepository;
  readonly accountTransactions: AccountTransactionRepository;
  readonly procurements: ProcurementRepository;
  readonly nodes: NodeRepository;
  readonly settings: SettingRepository;
  readonly idempotency: IdempotencyRepository;
  /** The fleet's hosts, their tokens and where runs are placed (store/fleet.ts). */
  readonly fleet: FleetRepository;
  /** The whole state at once: the operator's reset. */
  readonly dataset: DatasetRepository;
  /**
   * Runs `callback` once the transaction has committed, never when it rolls back (a Failure, an
   * exception, or an attempt retried after a conflict: each attempt starts with no callbacks).
   * Callbacks run in the order given, after the commit returns and before `transaction` does;
   * they must not throw. A `read` has nothing to commit: asking there is a bug, and throws.
   */
  afterCommit(callback: () => void): void;
}

export type StoreDialect = 'sqlite' | 'postgres';

/** What a remembered read depends on, when less than everything (`Store.readCached`). */
export type CachedReadScope = 'tokens';

/**
 * The database cannot be reached (PostgreSQL stopped, restarting, or the network gone). The
 * work did not happen, or — when the connection was lost at COMMIT — may have; either way
 * nothing was acknowledged, and the client is asked to try again (the HTTP edge answers 503 with
 * `Retry-After`, `statusCode` and `retryAfterSeconds` saying so). Not retried here: a retry
 * could apply twice what committed before the connection dropped.
 */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
  readonly statusCode = 503;
  readonly retryAfterSeconds = 1;

  constructor(override readonly cause: unknown) {
    super(`The database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * For `store.isLeader().catch(notLeadingWhileUnavailable)`, where a database away means only
 * "not leading for now" (the guest worker, which asks again on its next pass); the
 * engine instead sees the failure, and pauses.
 */
export function notLeadingWhileUnavailable(error: unknown): false {
  if (error instanceof StoreUnavailable) return false;
  throw error;
}

/**
 * Thrown inside a transaction that found, under its locks, that a concurrent transaction changed
 * what it had decided on before taking them (a pool it resolved was deleted meanwhile, say).
 * `Store.transaction` runs the work again, as for a serialization failure; the new attempt reads
 * the committed state and decides anew (the pool is then not found).
 */
export class TransientConflict extends Error {
  override readonly name = 'TransientConflict';
}

/**
 * A transaction met transient conflicts (`TransientConflict`, a serialization failure or a
 * deadlock) on every one of its attempts (`transactionAttemptsMax`): nothing of it committed, and
 * the client is asked to try again, as for a database away (503 with `Retry-After`).
 */
export class StoreContended extends Error {
  override readonly name = 'StoreContended';
  readonly statusCode = 503;
  readonly retryAfterSeconds = 1;
  readonly publicMessage: string;

  constructor(
    override readonly cause: unknown,
    attempts: number,
  ) {
    super(`${attempts} attempts met concurrent changes: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.publicMessage = `The request met concurrent changes on each of ${attempts} attempts and changed nothing; retry after ${this.retryAfterSeconds} s`;
  }
}

export interface Store {
  readonly dialect: StoreDialect;
  /**
   * Runs `work` as one transaction. It commits when `work` returns a result and rolls back when
   * it returns a Failure (see domain/kernel/failures.ts) or throws, so a refused request never leaves a trace. Transient
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
  /**
   * `read`, for a read that depends on nothing but what is stored (not on the time), so that its
   * result stays true until the next write. Where this process is the database's only writer
   * (SQLite), the result is remembered under `key` until a transaction begins, and every caller
   * until then gets the same, frozen, object. Where other processes write too (PostgreSQL), it
   * is remembered until this process's next transaction begins or another's commit is notified
   * (postgres/commit-listener.ts): this process's own writes are seen from the next read on,
   * another's once notified, at worst `postgresCommitListenStaleMs` after they were
   * acknowledged. For what clients poll: a read of a pool, a token.
   *
   * A read of tokens alone (`scope` 'tokens': a token by its hash, on every request) is
   * remembered through this process's transactions that write no token (a transfer, a buy) and
   * forgotten by those that do (an issue, a revocation, a token's activity, a reset); another
   * process's commits are not told apart, and any of them makes it forgotten.
   */
  readCached<T>(key: string, work: (tx: Tx) => Promise<T>, scope?: CachedReadScope): Promise<T>;
  /**
   * Resolves once every process has heard of this one's commits acknowledged so far, or serves
   * nothing it remembered from before them: at once where there is one process (SQLite), after
   * `postgresCommitListenStaleMs` on PostgreSQL (postgres/commit-listener.ts). For a write that
   * no process may go on ignoring once it is answered: a token's revocation.
   */
  untilHeardEverywhere(): Promise<void>;
  /**
   * Whether this process leads time-driven work. Processes sharing a PostgreSQL database elect
   * one through an advisory lock held for the process's life; an SQLite file has one process.
   * Asked again and again: a process takes over when the leader goes. Throws StoreUnavailable
   * while the database is away: whether another process leads cannot be known then.
   */
  isLeader(): Promise<boolean>;
  /** Whether this process holds the leadership now, without trying to take it (for health). */
  holdsLeadership(): Promise<boolean>;
  /**
   * Runs `work` holding the lock named `name`, which one caller at a time holds across every
   * process over the database: the others wait their turn, in this process in the order they
   * asked. On PostgreSQL a session-level advisory lock on a connection of its own, which the
   * server releases if the process dies; an SQLite file has one process, so the turn within it
   * is the lock. `work` calls `held.check()` in each transaction it relies on the lock for: it
   * throws StoreUnavailable once the lock's connection has been lost (another process may then
   * hold the lock), so that the transaction rolls back.
   */
  exclusively<T>(name: string, work: (held: HeldLock) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A lock `Store.exclusively` holds for its work. */
export interface HeldLock {
  /** Throws StoreUnavailable when the lock may no longer be held (its connection was lost). */
  check(): void;
}
