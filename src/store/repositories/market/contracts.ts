// Contracts: the trades the market made, one per pair of orders that matched.

import type { Kysely, Selectable } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { BuyerContract, BuyerContractFilter, ContractListFilter, ContractRecord, ContractRepository } from '../../market.js';
import { pageBySeq } from '../paging.js';
import { decodeSchedule, encodeSchedule } from '../schedules.js';

function toRecord(row: Selectable<Database['contracts']>): ContractRecord {
  return {
    seq: row.seq,
    id: row.id,
    instanceSkuId: row.instance_sku_id,
    buyOrderId: row.buy_order_id,
    sellOrderId: row.sell_order_id,
    schedule: decodeSchedule(row.schedule),
    startAt: row.start_at,
    endAt: row.end_at,
    priceMicros: row.price_micros,
    totalMicros: row.total_micros,
    feeMicros: row.fee_micros,
    filledAt: row.filled_at,
  };
}

export class SqlContractRepository implements ContractRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(contract: Omit<ContractRecord, 'seq'>): Promise<void> {
    // Nothing reads it back in the fill that makes it: sent with the fill's other writes.
    const insert = this.trx
      .insertInto('contracts')
      .values({
        id: contract.id,
        instance_sku_id: contract.instanceSkuId,
        buy_order_id: contract.buyOrderId,
        sell_order_id: contract.sellOrderId,
        schedule: encodeSchedule(contract.schedule),
        start_at: contract.startAt,
        end_at: contract.endAt,
        price_micros: contract.priceMicros,
        total_micros: contract.totalMicros,
        fee_micros: contract.feeMicros,
        filled_at: contract.filledAt,
      });
    await this.adapter.deferWrite(this.trx, insert, 'insert', 'contracts', null);
  }

  async ofOrders(orderIds: readonly string[]): Promise<ContractRecord[]> {
    if (orderIds.length === 0) return [];
    const rows = await this.trx
      .selectFrom('contracts')
      .selectAll()
      .where((eb) => eb.or([eb('buy_order_id', 'in', orderIds), eb('sell_order_id', 'in', orderIds)]))
      .orderBy('seq')
      .execute();
    return rows.map(toRecord);
  }

  async list(filter: ContractListFilter, page: PageRequest): Promise<ContractRecord[]> {
    if (filter.instanceSkuIds.length === 0) return [];
    const query = this.trx
      .selectFrom('contracts')
      .selectAll()
      .where('instance_sku_id', 'in', filter.instanceSkuIds)
      .where('start_at', '<', filter.overlapsTo)
      .where('end_at', '>', filter.overlapsFrom)
      .where('filled_at', '>=', filter.since);
    return (await pageBySeq(query, 'seq', page).execute()).map(toRecord);
  }

  private bought(accountId: string) {
    return this.trx
      .selectFrom('contracts')
      .innerJoin('orders', 'orders.id', 'contracts.buy_order_id')
      .selectAll('contracts')
      .select(['orders.pool_id as buyer_pool_id', 'orders.procurement_id as buyer_procurement_id'])
      .where('orders.account_id', '=', accountId);
  }

  async boughtById(accountId: string, id: string): Promise<BuyerContract | undefined> {
    const row = await this.bought(accountId).where('contracts.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : { ...toRecord(row), poolId: row.buyer_pool_id, procurementId: row.buyer_procurement_id };
  }

  async ofBuyer(filter: BuyerContractFilter, page: PageRequest): Promise<BuyerContract[]> {
    if (filter.instanceSkuIds !== null && filter.instanceSkuIds.length === 0) return [];
    let query = this.bought(filter.accountId);
    if (filter.instanceSkuIds !== null) query = query.where('contracts.instance_sku_id', 'in', filter.instanceSkuIds);
    if (filter.startAfter !== null) query = query.where('contracts.start_at', '>', filter.startAfter);
    if (filter.startAtOrBefore !== null) query = query.where('contracts.start_at', '<=', filter.startAtOrBefore);
    if (filter.endAfter !== null) query = query.where('contracts.end_at', '>', filter.endAfter);
    if (filter.endAtOrBefore !== null) query = query.where('contracts.end_at', '<=', filter.endAtOrBefore);
    const rows = await pageBySeq(query, 'contracts.seq', page).execute();
    return rows.map((row) => ({ ...toRecord(row), poolId: row.buyer_pool_id, procurementId: row.buyer_procurement_id }));
  }
}
