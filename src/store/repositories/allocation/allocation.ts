// The ledger of node-seconds: append-only entries, and per pool and SKU the balance they add up
// to. Balances are locked row by row (in key order) before a transaction spends them.

import type { Kysely, Selectable } from 'kysely';
import type { EntryKind } from '../../../domain/allocation/ledger.js';
import { emptySchedule } from '../../../domain/kernel/schedule.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { AllocationEntryRecord, AllocationRepository, BalanceRecord, DueBoundary } from '../../allocation.js';
import { preparedQuery } from '../prepared.js';
import { decodeSchedule, encodeSchedule } from '../schedules.js';

const balanceOfPoolSku = preparedQuery(2, (db, poolId: string, instanceSkuId: string) =>
  db.selectFrom('allocation_balances').selectAll().where('pool_id', '=', poolId).where('instance_sku_id', '=', instanceSkuId),
);

/** Run at every boundary the engine processes, so prepared. */
const setNextBoundaryOfPoolSku = preparedQuery(3, (db, nextBoundaryAt: number | null, poolId: string, instanceSkuId: string) =>
  db.updateTable('allocation_balances').set({ next_boundary_at: nextBoundaryAt }).where('pool_id', '=', poolId).where('instance_sku_id', '=', instanceSkuId),
);

function toBalance(row: Selectable<Database['allocation_balances']>): BalanceRecord {
  return { poolId: row.pool_id, instanceSkuId: row.instance_sku_id, schedule: decodeSchedule(row.schedule), nextBoundaryAt: row.next_boundary_at };
}

export class SqlAllocationRepository implements AllocationRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insertEntry(entry: AllocationEntryRecord): Promise<void> {
    await this.trx
      .insertInto('allocation_entries')
      .values({
        id: entry.id,
        kind: entry.kind,
        instance_sku_id: entry.instanceSkuId,
        from_pool_id: entry.fromPoolId,
        to_pool_id: entry.toPoolId,
        delta: encodeSchedule(entry.delta),
        reference_id: entry.referenceId,
        created_at: entry.createdAt,
      })
      .execute();
  }

  async lockBalances(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<BalanceRecord[]> {
    if (keys.length === 0) return [];
    // The rows must exist to be locked; an empty schedule is what a pool without the SKU holds.
    await this.trx
      .insertInto('allocation_balances')
      .values(keys.map((key) => ({ pool_id: key.poolId, instance_sku_id: key.instanceSkuId, schedule: encodeSchedule(emptySchedule) })))
      .onConflict((oc) => oc.columns(['pool_id', 'instance_sku_id']).doNothing())
      .execute();
    // One statement, rows in key order: PostgreSQL locks them in the order it reads them.
    let query = this.trx
      .selectFrom('allocation_balances')
      .selectAll()
      .where((eb) => eb.or(keys.map((key) => eb.and([eb('pool_id', '=', key.poolId), eb('instance_sku_id', '=', key.instanceSkuId)]))))
      .orderBy('pool_id')
      .orderBy('instance_sku_id');
    if (this.adapter.supportsRowLocks) query = query.forUpdate();
    const balances = (await query.execute()).map(toBalance);
    return keys.map((key) => balances.find((balance) => balance.poolId === key.poolId && balance.instanceSkuId === key.instanceSkuId)!);
  }

  async setBalance(balance: BalanceRecord, nextBoundaryAt: number | null): Promise<void> {
    await this.trx
      .updateTable('allocation_balances')
      .set({ schedule: encodeSchedule(balance.schedule), next_boundary_at: nextBoundaryAt })
      .where('pool_id', '=', balance.poolId)
      .where('instance_sku_id', '=', balance.instanceSkuId)
      .execute();
  }

  async balanceOf(poolId: string, instanceSkuId: string): Promise<BalanceRecord | undefined> {
    const [row] = await balanceOfPoolSku.execute(this.trx, this.adapter, poolId, instanceSkuId);
    return row === undefined ? undefined : toBalance(row);
  }

  async dueBoundaries(upTo: number, limit: number): Promise<DueBoundary[]> {
    const rows = await this.trx
      .selectFrom('allocation_balances')
      .select(['pool_id', 'instance_sku_id', 'next_boundary_at'])
      .where('next_boundary_at', '<=', upTo)
      .orderBy('next_boundary_at')
      .orderBy('pool_id')
      .orderBy('instance_sku_id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ poolId: row.pool_id, instanceSkuId: row.instance_sku_id, at: row.next_boundary_at! }));
  }

  async setNextBoundary(poolId: string, instanceSkuId: string, nextBoundaryAt: number | null): Promise<void> {
    await setNextBoundaryOfPoolSku.execute(this.trx, this.adapter, nextBoundaryAt, poolId, instanceSkuId);
  }

  async allEntries(): Promise<AllocationEntryRecord[]> {
    const rows = await this.trx.selectFrom('allocation_entries').selectAll().orderBy('seq').execute();
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind as EntryKind,
      instanceSkuId: row.instance_sku_id,
      fromPoolId: row.from_pool_id,
      toPoolId: row.to_pool_id,
      delta: decodeSchedule(row.delta),
      referenceId: row.reference_id,
      createdAt: row.created_at,
    }));
  }

  async allBalances(): Promise<BalanceRecord[]> {
    const rows = await this.trx.selectFrom('allocation_balances').selectAll().execute();
    return rows.map(toBalance);
  }
}
