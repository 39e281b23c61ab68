// The Store both engines share. Queries are written once with Kysely; what differs between SQLite
// and PostgreSQL (row locks, JSON functions, error codes) comes from a `DialectAdapter` that
// sqlite/ and postgres/ provide.

import { cachedReadsMax, postgresCommitListenStaleMs, storeCloseDrainMsMax, transactionAttemptsMax, transactionRetryBackoffMaxMs, transactionRetryBackoffMs } from '../domain/kernel/limits.js';
import type { Kysely } from 'kysely';
import { type Failure, isFailure } from '../domain/kernel/failures.js';
import type { Database } from './database.js';
import { SqlAccountRepository } from './repositories/tenancy/accounts.js';
import { SqlFeatureFlagRepository } from './repositories/tenancy/feature-flags.js';
import { SqlTokenRepository } from './repositories/tenancy/tokens.js';
import { SqlUserRepository } from './repositories/tenancy/users.js';
import { SqlAllocationRepository } from './repositories/allocation/allocation.js';
import { SqlContractRepository } from './repositories/market/contracts.js';
import { SqlDeploymentRepository } from './repositories/compute/deployments.js';
import { SqlImageRepository } from './repositories/compute/images.js';
import { SqlInstanceTemplateRepository } from './repositories/compute/instance-templates.js';
import { SqlInstanceRepository } from './repositories/compute/instances.js';
import { SqlInstanceRunRepository } from './repositories/compute/instance-runs.js';
import { SqlAccountTransactionRepository, SqlMoneyRepository } from './repositories/market/money.js';
import { SqlOrderRepository } from './repositories/market/orders.js';
import { SqlNodeRepository } from './repositories/nodes-v1/nodes.js';
import { SqlProcurementRepository } from './repositories/market/procurements.js';
import { SqlIdempotencyRepository } from './repositories/kernel/idempotency.js';
import { SqlInstanceSkuRepository } from './repositories/allocation/instance-skus.js';
import { SqlPoolTransferRepository } from './repositories/allocation/pool-transfers.js';
import { SqlPoolRepository } from './repositories/allocation/pools.js';
import { SqlSettingRepository } from './repositories/kernel/settings.js';
import { SqlDatasetRepository } from './repositories/kernel/dataset.js';
import { SqlWorkspaceRepository } from './repositories/tenancy/workspaces.js';
import { SqlFleetRepository } from './repositories/fleet/fleet.js';
import { type CachedReadScope, type HeldLock, type Store, type StoreDialect, StoreContended, StoreUnavailable, TransientConflict, type Tx } from './store.js';
import type { DialectAdapter } from './dialect-adapter.js';
import { CommitGroup } from './commit-group.js';
import { deepFreeze, RememberedCatalog, type WrittenRows } from './remembered-catalog.js';

/** Carries a Failure out of Kysely's transaction callback so that Kysely rolls back. */
class RollbackWithFailure extends Error {
  constructor(readonly result: Failure) {
    super(result.message);
  }
}

export class KyselyStore implements Store {
  readonly dialect: StoreDialect;
  /**
   * Counts the starts and ends of this process's transactions. Where it is the only writer
   * (SQLite), a read is remembered only while this stays what it was when the read began: any
   * transaction since may have changed what it read. Elsewhere the commit watch's count of other
   * processes' commits is added to it.
   */
  #writeGeneration = 0;
  /** As `#writeGeneration`, for the transactions that write tokens: moved when one first does and
   * again when it ends, and by nothing else. What `readCached`'s 'tokens' scope is kept by. */
  #tokenWriteGeneration = 0;
  /** Remembered reads, each scope's apart: everything's, and tokens'. */
  readonly #remembered = { all: new RememberedReads(), tokens: new RememberedReads() };
  /** Pools and instance SKUs remembered between transactions, where this process is the only
   * writer (remembered-catalog.ts); null elsewhere. */
  readonly #catalog: RememberedCatalog | null;
  /** The group of transactions to be committed together that new ones join (see groupsCommits). */
  #commitGroup: CommitGroup | null = null;
  /** The last caller of `exclusively` for each name, which the next one waits for. */
  readonly #exclusiveTurns = new Map<string, Promise<unknown>>();
  /** Transactions, reads and held locks running now; `close` waits for them to end. */
  #running = 0;
  /** Told when `#running` comes to 0 while the store closes. */
  #idle: (() => void) | null = null;
  /** The close, once asked: from then on, new work is refused as the database being away. */
  #closing: Promise<void> | null = null;

  constructor(private readonly adapter: DialectAdapter) {
    this.dialect = adapter.dialect;
    this.#catalog = adapter.soleWriter ? new RememberedCatalog() : null;
  }

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#counted(() => this.#transaction(work));
  }

  async #transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    this.#writeGeneration++;
    let wroteTokens = false;
    let wroteCatalog = false;
    const writes = (what: WrittenRows) => {
      if (what === 'tokens') {
        wroteTokens = true;
        this.#tokenWriteGeneration++;
      } else if (!wroteCatalog) {
        wroteCatalog = true;
        this.#catalog?.writeBegins();
      }
    };
    try {
      return await this.#transactionWithRetries(work, writes);
    } catch (error) {
      throw this.#unavailableOr(error);
    } finally {
      // After the commit (a group's too) has succeeded or failed.
      this.#writeGeneration++;
      if (wroteTokens) this.#tokenWriteGeneration++;
      if (wroteCatalog) this.#catalog?.writeEnded();
    }
  }

  async #transactionWithRetries<T>(work: (tx: Tx) => Promise<T>, writes: (what: WrittenRows) => void): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // What the attempt asks to run after its commit; a retried attempt's are dropped with it.
      const committed: (() => void)[] = [];
      try {
        const result = this.adapter.groupsCommits
          ? await this.#inCommitGroup((trx) => work(this.repositories(trx, (callback) => committed.push(callback), writes)))
          : await this.adapter.db.transaction().execute(async (trx) => {
              const result = await work(this.repositories(trx, (callback) => committed.push(callback), writes));
              if (isFailure(result)) throw new RollbackWithFailure(result);
              return result;
            });
        runCommitted(committed);
        return result;
      } catch (error) {
        if (error instanceof RollbackWithFailure) return error.result as T;
        if (!(error instanceof TransientConflict || this.adapter.isTransientConflict(error))) throw error;
        if (attempt >= transactionAttemptsMax) throw new StoreContended(error, attempt);
        const backoffMs = Math.min(transactionRetryBackoffMaxMs, transactionRetryBackoffMs * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * backoffMs));
      }
    }
  }

  /** Runs one attempt in the open commit group (a new one if none is open), as `db.transaction`
   * would: a Failure is rolled back and thrown as RollbackWithFailure, an error rethrown. */
  async #inCommitGroup<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    let group = this.#commitGroup;
    if (group === null || !group.open) {
      const opened: CommitGroup = new CommitGroup(this.adapter.db, this.#afterCommit, () => {
        if (this.#commitGroup === opened) this.#commitGroup = null;
      });
      group = this.#commitGroup = opened;
    }
    const outcome = await group.run(work, (value) => !isFailure(value));
    if ('error' in outcome) throw outcome.error;
    if (!outcome.kept) throw new RollbackWithFailure(outcome.value as Failure);
    return outcome.value;
  }

  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#counted(() => this.#read(work));
  }

  async #read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      const value = await this.adapter.db.connection().execute((connection) => work(this.repositories(connection, readHasNoCommit, readWritesNothing)));
      return await this.#whenDurable(value);
    } catch (error) {
      throw this.#unavailableOr(error);
    }
  }

  /** A grouped commit's flush to disk (`DialectAdapter.durability`); none is owed elsewhere. */
  readonly #afterCommit = (): Promise<void> => this.adapter.durability?.afterCommit() ?? Promise.resolve();

  /** `value` once every commit it may have read is on disk (at once where commits are durable
   * when they return, or no flush is owed): nothing is answered from a commit a power cut could
   * still undo. */
  async #whenDurable<T>(value: T): Promise<T> {
    const owed = this.adapter.durability?.untilDurable();
    if (owed) await owed;
    return value;
  }

  /** A lost database as StoreUnavailable; anything else as it was. */
  #unavailableOr(error: unknown): unknown {
    return !(error instanceof StoreUnavailable) && this.adapter.isUnavailable(error) ? new StoreUnavailable(error) : error;
  }

  async readCached<T>(key: string, work: (tx: Tx) => Promise<T>, scope?: CachedReadScope): Promise<T> {
    const remembered = scope === 'tokens' ? this.#remembered.tokens : this.#remembered.all;
    const ownGeneration = scope === 'tokens' ? () => this.#tokenWriteGeneration : () => this.#writeGeneration;
    const watch = this.adapter.commitWatch;
    if (watch === null) return this.#readCachedSoleWriter(remembered, ownGeneration, key, work);
    // Other processes write too: their commits are counted as their notifications arrive
    // (postgres/commit-listener.ts), this process's own as its transactions begin and end. Both
    // only grow, so their sum stays the same exactly while neither has changed.
    if (!watch.trusted) return this.read(work);
    const generation = watch.changes + ownGeneration();
    const startedAtMs = performance.now();
    const cached = remembered.at(generation)?.get(key);
    if (cached !== undefined && cached.expiresAtMs > startedAtMs) return cached.value as T;
    // The read begins after `generation` was taken: a commit it missed is notified after it
    // began, so before the value is remembered (and then it is not) or after (and forgets it).
    // A commit never notified (its process died first) is missed for as long as a read is
    // served at most: `postgresCommitListenStaleMs` from when it began.
    const value = await this.read(work);
    if (watch.trusted && watch.changes + ownGeneration() === generation) remembered.at(generation)!.remember(key, value, startedAtMs + postgresCommitListenStaleMs);
    return value;
  }

  async #readCachedSoleWriter<T>(remembered: RememberedReads, ownGeneration: () => number, key: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    const cached = remembered.at(ownGeneration())!.get(key);
    // Remembered from a commit whose flush may still be under way.
    if (cached !== undefined) return this.#whenDurable(cached.value as T);
    // The generation is taken once the connection is held: on SQLite no transaction is open then.
    let generation = -1;
    const value = await this.read((tx) => {
      generation = ownGeneration();
      return work(tx);
    });
    if (generation === ownGeneration()) remembered.at(generation)!.remember(key, value, Infinity);
    return value;
  }

  async untilHeardEverywhere(): Promise<void> {
    const waitMs = this.adapter.commitsHeardEverywhereMs;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  async isLeader(): Promise<boolean> {
    try {
      return await this.adapter.tryLeadership();
    } catch (error) {
      throw this.#unavailableOr(error);
    }
  }

  holdsLeadership(): Promise<boolean> {
    return this.adapter.holdsLeadership();
  }

  async exclusively<T>(name: string, work: (held: HeldLock) => Promise<T>): Promise<T> {
    // This process's callers take turns first, so that it waits on the database's lock with one
    // connection at most, and its own callers go in the order they asked.
    const previous = this.#exclusiveTurns.get(name) ?? Promise.resolve();
    const turn = previous.catch(() => {}).then(() => this.#counted(() => this.#holding(name, work)));
    this.#exclusiveTurns.set(name, turn);
    try {
      return await turn;
    } finally {
      if (this.#exclusiveTurns.get(name) === turn) this.#exclusiveTurns.delete(name);
    }
  }

  async #holding<T>(name: string, work: (held: HeldLock) => Promise<T>): Promise<T> {
    let lock;
    try {
      lock = await this.adapter.sessionLock(name);
    } catch (error) {
      throw this.#unavailableOr(error);
    }
    const held: HeldLock = {
      check: () => {
        if (lock.lost()) throw new StoreUnavailable(new Error(`the connection holding the lock ${JSON.stringify(name)} was lost`));
      },
    };
    try {
      return await work(held);
    } finally {
      await lock.release();
    }
  }

  /**
   * Closes the store once the work running on it has ended (`storeCloseDrainMsMax` at most). A
   * server stops accepting requests before it closes its store, but a request whose client went
   * away runs on, unwaited by the server's close: closed under it, its transaction failed on a
   * pool already ended (an error in the log, for an answer nobody reads).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#running > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          this.#idle = resolve;
          timer = setTimeout(resolve, storeCloseDrainMsMax);
        });
        clearTimeout(timer);
      }
      await this.adapter.close();
    })();
    return this.#closing;
  }

  /** Runs `work` counted as running on the store; refused once the store closes. */
  async #counted<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closing !== null) throw new StoreUnavailable(new Error('the store is closing'));
    this.#running++;
    try {
      return await work();
    } finally {
      this.#running--;
      if (this.#running === 0) this.#idle?.();
    }
  }

  /** `writes` is told before the transaction writes tokens or the catalog's rows, or empties the
   * tables (a reset). */
  private repositories(trx: Kysely<Database>, afterCommit: Tx['afterCommit'], writes: (what: WrittenRows) => void): Tx {
    // These remember the rows the transaction locked (their balances, orders, live pools); a
    // reset, which empties their tables, makes them forget.
    const pools = new SqlPoolRepository(trx, this.adapter, this.#catalog, writes);
    const allocation = new SqlAllocationRepository(trx, this.adapter);
    const orders = new SqlOrderRepository(trx, this.adapter);
    const money = new SqlMoneyRepository(trx, this.adapter);
    const emptying = () => {
      writes('tokens');
      writes('catalog');
      for (const repository of [pools, allocation, orders, money]) repository.forgetLocked();
    };
    return {
      afterCommit,
      accounts: new SqlAccountRepository(trx, this.adapter),
      tokens: new SqlTokenRepository(trx, this.adapter, () => writes('tokens')),
      users: new SqlUserRepository(trx, this.adapter),
      featureFlags: new SqlFeatureFlagRepository(trx),
      workspaces: new SqlWorkspaceRepository(trx, this.adapter, writes),
      pools,
      instanceSkus: new SqlInstanceSkuRepository(trx, this.adapter, this.#catalog, writes),
      allocation,
      poolTransfers: new SqlPoolTransferRepository(trx, this.adapter),
      images: new SqlImageRepository(trx, this.adapter),
      instanceTemplates: new SqlInstanceTemplateRepository(trx, this.adapter),
      deployments: new SqlDeploymentRepository(trx, this.adapter),
      instances: new SqlInstanceRepository(trx, this.adapter),
      instanceRuns: new SqlInstanceRunRepository(trx),
      orders,
      contracts: new SqlContractRepository(trx, this.adapter),
      money,
      accountTransactions: new SqlAccountTransactionRepository(trx, this.adapter),
      procurements: new SqlProcurementRepository(trx, this.adapter),
      nodes: new SqlNodeRepository(trx, this.adapter),
      settings: new SqlSettingRepository(trx, this.adapter),
      idempotency: new SqlIdempotencyRepository(trx),
      fleet: new SqlFleetRepository(trx, this.adapter),
      dataset: new SqlDatasetRepository(trx, this.adapter, emptying),
    };
  }
}

/** Runs what a committed transaction asked for. The commit is done whatever they do, so one that
 * throws (a bug: they must not) is reported on its own, never as the transaction's failure. */
function runCommitted(callbacks: readonly (() => void)[]): void {
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

function readHasNoCommit(): never {
  throw new Error('afterCommit asked in a read: only a transaction commits');
}

function readWritesNothing(): never {
  throw new Error('rows written in a read: only a transaction writes');
}

/** Reads remembered at one generation of the writes they depend on, each with when it stops being
 * served (never, where this process is the only writer); at most `cachedReadsMax`, the oldest
 * forgotten first. */
class RememberedReads {
  readonly #reads = new Map<string, { readonly value: unknown; readonly expiresAtMs: number }>();
  #generation = 0;

  /** Itself at `generation`, what it remembered forgotten first if the generation has moved on
   * since; null for a generation older than its own. */
  at(generation: number): this | null {
    if (generation < this.#generation) return null;
    if (generation > this.#generation) {
      this.#reads.clear();
      this.#generation = generation;
    }
    return this;
  }

  get(key: string): { readonly value: unknown; readonly expiresAtMs: number } | undefined {
    return this.#reads.get(key);
  }

  remember(key: string, value: unknown, expiresAtMs: number): void {
    if (this.#reads.size >= cachedReadsMax) this.#reads.delete(this.#reads.keys().next().value!);
    this.#reads.set(key, { value: deepFreeze(value), expiresAtMs });
  }
}

