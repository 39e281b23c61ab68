// Contracts: the trades the market made, one per pair of orders that matched.

import type { Kysely, Selectable } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { BuyerContract, BuyerContractFilter, ContractListFilter, ContractRecord, ContractRepository } from '../../market.js';
import { pageBySeq } from '../paging.js';
import { preparedQuery } from '../prepared.js';
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

/** Every fill inserts one: prepared. */
const insertContract = preparedQuery(
  11,
  (db, id: string, instanceSkuId: string, buyOrderId: string, sellOrderId: string, schedule: string, startAt: number, endAt: number, priceMicros: number, totalMicros: number, feeMicros: number, filledAt: number) =>
    db.insertInto('contracts').values({
      id,
      instance_sku_id: instanceSkuId,
      buy_order_id: buyOrderId,
      sell_order_id: sellOrderId,
      schedule,
      start_at: startAt,
      end_at: endAt,
      price_micros: priceMicros,
      total_micros: totalMicros,
      fee_micros: feeMicros,
      filled_at: filledAt,
    }),
);

export class SqlContractRepository implements ContractRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(contract: Omit<ContractRecord, 'seq'>): Promise<void> {
    // Nothing reads it back in the fill that makes it: sent with the fill's other writes.
    const insert = insertContract.compilable(
      this.trx,
      this.adapter,
      contract.id,
      contract.instanceSkuId,
      contract.buyOrderId,
      contract.sellOrderId,
      encodeSchedule(contract.schedule),
      contract.startAt,
      contract.endAt,
      contract.priceMicros,
      contract.totalMicros,
      contract.feeMicros,
      contract.filledAt,
    );
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
