// The Store both engines share. Queries are written once with Kysely; what differs between SQLite
// and PostgreSQL (row locks, JSON functions, error codes) comes from a `DialectAdapter` that
// sqlite/ and postgres/ provide.

import type { Kysely, RawBuilder } from 'kysely';
import { type Failure, isFailure } from '../domain/failures.js';
import type { Database } from './database.js';
import { SqlAccountRepository, SqlTokenRepository } from './repositories/accounts.js';
import { SqlAllocationRepository } from './repositories/allocation.js';
import { SqlContractRepository } from './repositories/contracts.js';
import { SqlDeploymentRepository } from './repositories/deployments.js';
import { SqlImageRepository } from './repositories/images.js';
import { SqlInstanceTemplateRepository } from './repositories/instance-templates.js';
import { SqlInstanceRepository } from './repositories/instances.js';
import { SqlAccountTransactionRepository, SqlMoneyRepository } from './repositories/money.js';
import { SqlOrderRepository } from './repositories/orders.js';
import { SqlNodeRepository } from './repositories/nodes.js';
import { SqlProcurementRepository } from './repositories/procurements.js';
import { SqlIdempotencyRepository } from './repositories/idempotency.js';
import { SqlInstanceSkuRepository } from './repositories/instance-skus.js';
import { SqlPoolTransferRepository } from './repositories/pool-transfers.js';
import { SqlPoolRepository } from './repositories/pools.js';
import { SqlSettingRepository } from './repositories/settings.js';
import { SqlWorkspaceRepository } from './repositories/workspaces.js';
import type { Store, StoreDialect, Tx } from './store.js';

export interface DialectAdapter {
  readonly dialect: StoreDialect;
  readonly db: Kysely<Database>;
  /** Rows of `{key, value}` text pairs from a column holding a JSON object. */
  jsonObjectEntries(column: string): RawBuilder<unknown>;
  /**
   * Runs compiled SQL on `db`, the transaction or connection the caller holds. SQLite runs it
   * on its cached statement directly, skipping Kysely's executor; that is safe because holding
   * `db` means holding the process's one connection.
   */
  runCompiled<Row>(db: Kysely<Database>, sql: string, parameters: readonly unknown[]): Promise<Row[]>;
  /** Whether `SELECT … FOR UPDATE` locks rows (PostgreSQL); SQLite's transactions hold the
   * whole database already. */
  readonly supportsRowLocks: boolean;
  isUniqueViolation(error: unknown): boolean;
  /** A conflict between concurrent transactions that succeeds when retried. */
  isTransientConflict(error: unknown): boolean;
  /** Tries to become (or confirms being) the leader of time-driven work. */
  tryLeadership(): Promise<boolean>;
  close(): Promise<void>;
}

/** Attempts of one transaction that keeps meeting transient conflicts, before giving up. */
const transactionAttemptsMax = 8;
/** Backoff between attempts grows from this many milliseconds, doubling, capped at 100 ms. */
const transactionRetryBackoffMs = 2;

/** Carries a Failure out of Kysely's transaction callback so that Kysely rolls back. */
class RollbackWithFailure extends Error {
  constructor(readonly result: Failure) {
    super(result.message);
  }
}

export class KyselyStore implements Store {
  readonly dialect: StoreDialect;

  constructor(private readonly adapter: DialectAdapter) {
    this.dialect = adapter.dialect;
  }

  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.adapter.db.transaction().execute(async (trx) => {
          const result = await work(this.repositories(trx));
          if (isFailure(result)) throw new RollbackWithFailure(result);
          return result;
        });
      } catch (error) {
        if (error instanceof RollbackWithFailure) return error.result as T;
        if (attempt >= transactionAttemptsMax || !this.adapter.isTransientConflict(error)) throw error;
        const backoffMs = Math.min(100, transactionRetryBackoffMs * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  }

  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.adapter.db.connection().execute((connection) => work(this.repositories(connection)));
  }

  isLeader(): Promise<boolean> {
    return this.adapter.tryLeadership();
  }

  close(): Promise<void> {
    return this.adapter.close();
  }

  private repositories(trx: Kysely<Database>): Tx {
    return {
      accounts: new SqlAccountRepository(trx, this.adapter),
      tokens: new SqlTokenRepository(trx, this.adapter),
      workspaces: new SqlWorkspaceRepository(trx, this.adapter),
      pools: new SqlPoolRepository(trx, this.adapter),
      instanceSkus: new SqlInstanceSkuRepository(trx, this.adapter),
      allocation: new SqlAllocationRepository(trx, this.adapter),
      poolTransfers: new SqlPoolTransferRepository(trx, this.adapter),
      images: new SqlImageRepository(trx, this.adapter),
      instanceTemplates: new SqlInstanceTemplateRepository(trx, this.adapter),
      deployments: new SqlDeploymentRepository(trx, this.adapter),
      instances: new SqlInstanceRepository(trx, this.adapter),
      orders: new SqlOrderRepository(trx, this.adapter),
      contracts: new SqlContractRepository(trx),
      money: new SqlMoneyRepository(trx, this.adapter),
      accountTransactions: new SqlAccountTransactionRepository(trx),
      procurements: new SqlProcurementRepository(trx, this.adapter),
      nodes: new SqlNodeRepository(trx, this.adapter),
      settings: new SqlSettingRepository(trx),
      idempotency: new SqlIdempotencyRepository(trx),
    };
  }
}
