// Contracts: the trades the market made, one per pair of orders that matched.

import type { Kysely, Selectable } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { ContractListFilter, ContractRecord, ContractRepository } from '../../market.js';
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
  constructor(private readonly trx: Kysely<Database>) {}

  async insert(contract: Omit<ContractRecord, 'seq'>): Promise<void> {
    await this.trx
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
      })
      .execute();
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
}
