// Pool transfers: the record of each request to move allocation between an account's pools,
// executed or rejected. The allocation itself moves in the ledger.

import type { Kysely } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { PoolTransferListFilter, PoolTransferRecord, PoolTransferRepository, PoolTransferStatus, PoolTransferView } from '../../allocation.js';
import { pageBySeq } from '../paging.js';
import { preparedQuery } from '../prepared.js';
import { decodeSchedule, encodeSchedule } from '../schedules.js';

function transferViews(db: Kysely<Database>) {
  return db
    .selectFrom('pool_transfers')
    .innerJoin('instance_skus', 'instance_skus.id', 'pool_transfers.instance_sku_id')
    .selectAll('pool_transfers')
    .select('instance_skus.alias as instance_sku_alias');
}

const transferById = preparedQuery(2, (db, accountId: string, id: string) =>
  transferViews(db).where('pool_transfers.account_id', '=', accountId).where('pool_transfers.id', '=', id),
);

/** On every transfer's path, so prepared. */
const insertTransferRow = preparedQuery(9, (db, id: string, accountId: string, fromPoolId: string, toPoolId: string, instanceSkuId: string, delta: string, status: string, rejectedReason: string | null, createdAt: number) =>
  db
    .insertInto('pool_transfers')
    .values({ id, account_id: accountId, from_pool_id: fromPoolId, to_pool_id: toPoolId, instance_sku_id: instanceSkuId, delta, status: status as PoolTransferStatus, rejected_reason: rejectedReason, created_at: createdAt })
    .returning('seq'),
);

type TransferRow = Awaited<ReturnType<ReturnType<typeof transferViews>['execute']>>[number];

function toView(row: TransferRow): PoolTransferView {
  return {
    seq: row.seq,
    id: row.id,
    accountId: row.account_id,
    fromPoolId: row.from_pool_id,
    toPoolId: row.to_pool_id,
    instanceSkuId: row.instance_sku_id,
    instanceSkuAlias: row.instance_sku_alias,
    delta: decodeSchedule(row.delta),
    status: row.status as PoolTransferStatus,
    rejectedReason: row.rejected_reason,
    createdAt: row.created_at,
  };
}

export class SqlPoolTransferRepository implements PoolTransferRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(transfer: Omit<PoolTransferRecord, 'seq'>, instanceSkuAlias: string): Promise<PoolTransferView> {
    const delta = encodeSchedule(transfer.delta);
    const [row] = await insertTransferRow.execute(
      this.trx,
      this.adapter,
      transfer.id,
      transfer.accountId,
      transfer.fromPoolId,
      transfer.toPoolId,
      transfer.instanceSkuId,
      delta,
      transfer.status,
      transfer.rejectedReason,
      transfer.createdAt,
    );
    // As a read would decode it, so that the answer is the same either way.
    return { seq: row!.seq, ...transfer, delta: decodeSchedule(delta), instanceSkuAlias };
  }

  async markRejected(id: string, rejectedReason: string): Promise<void> {
    await this.trx.updateTable('pool_transfers').set({ status: 'rejected', rejected_reason: rejectedReason }).where('id', '=', id).execute();
  }

  async findById(accountId: string, id: string): Promise<PoolTransferView | undefined> {
    const [row] = await transferById.execute(this.trx, this.adapter, accountId, id);
    return row === undefined ? undefined : toView(row);
  }

  async list(filter: PoolTransferListFilter, page: PageRequest): Promise<PoolTransferView[]> {
    let query = transferViews(this.trx).where('pool_transfers.account_id', '=', filter.accountId);
    if (filter.status !== null) query = query.where('pool_transfers.status', '=', filter.status);
    if (filter.poolIds !== null) {
      if (filter.poolIds.length === 0) return [];
      const poolIds = filter.poolIds;
      query = query.where((eb) => eb.or([eb('pool_transfers.from_pool_id', 'in', poolIds), eb('pool_transfers.to_pool_id', 'in', poolIds)]));
    }
    const rows = await pageBySeq(query, 'pool_transfers.seq', page).execute();
    return rows.map(toView);
  }
}
