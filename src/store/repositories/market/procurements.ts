// Procurements: automations that keep a pool's allocation of one SKU at a target.

import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { Ahead, NamedWrite } from '../../kernel.js';
import type { InstanceSkuRecord } from '../../allocation.js';
import { toSku } from '../allocation/instance-skus.js';
import type { ProcurementRecord, ProcurementRepository, ProcurementView } from '../../market.js';
import { preparedQuery } from '../prepared.js';
import { pageBySeq } from '../paging.js';
import { guardName } from '../named-write.js';

/** `node_count` is stored as -1. */
const nodeCountTarget = -1;

function procurementViews(db: Kysely<Database>) {
  return db
    .selectFrom('procurements')
    .innerJoin('workspaces', 'workspaces.id', 'procurements.workspace_id')
    .innerJoin('pools', 'pools.id', 'procurements.pool_id')
    .innerJoin('instance_skus', 'instance_skus.id', 'procurements.instance_sku_id')
    .selectAll('procurements')
    .select(['workspaces.name as workspace_name', 'pools.name as pool_name', 'instance_skus.alias as instance_sku_alias'])
    .where('procurements.deleted_at', 'is', null);
}

/** Asked at every boundary of every pool (the engine reconsiders its procurement), so prepared. */
const procurementOfPoolSku = preparedQuery(2, (db, poolId: string, instanceSkuId: string) =>
  procurementViews(db).where('procurements.pool_id', '=', poolId).where('procurements.instance_sku_id', '=', instanceSkuId).limit(1),
);

/** A procurement whose skipped runs the model would have run by `now` (`ProcurementRepository.behind`). */
function isBehind(eb: ExpressionBuilder<Database, 'procurements'>, now: number) {
  return eb.and([eb('procurements.run_due_at', '<=', now), eb('procurements.next_run_at', '>', now)]);
}

/** The procurements whose runs a clock advance skipped, as of `now`. */
function behindQuery<Query extends ReturnType<typeof procurementViews>>(query: Query, now: number) {
  return query.where((eb) => isBehind(eb, now)).orderBy('procurements.seq');
}

/** A SKU, and whether any of its live procurements is behind at `now` (`skuWithBehindAhead`). */
const skuWithBehind = preparedQuery(2, (db, instanceSkuId: string, now: number) =>
  db
    .selectFrom('instance_skus')
    .selectAll('instance_skus')
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('procurements')
            .select(sql<number>`1`.as('one'))
            .whereRef('procurements.instance_sku_id', '=', 'instance_skus.id')
            .where('procurements.deleted_at', 'is', null)
            .where((inner) => isBehind(inner, now)),
        )
        .as('procurements_behind'),
    )
    .where('instance_skus.id', '=', instanceSkuId),
);

/** A SKU's procurements behind: asked before every order on the SKU's book, so prepared. */
const behindOfSku = preparedQuery(2, (db, instanceSkuId: string, now: number) => behindQuery(procurementViews(db).where('procurements.instance_sku_id', '=', instanceSkuId), now));

type ProcurementRow = Awaited<ReturnType<ReturnType<typeof procurementViews>['execute']>>[number];

function toView(row: ProcurementRow): ProcurementView {
  return {
    seq: row.seq,
    id: row.id,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    workspaceName: row.workspace_name,
    name: row.name,
    poolId: row.pool_id,
    poolName: row.pool_name,
    instanceSkuId: row.instance_sku_id,
    instanceSkuAlias: row.instance_sku_alias,
    target: row.target === nodeCountTarget ? 'node_count' : row.target,
    minSellMicros: row.min_sell_micros,
    maxBuyMicros: row.max_buy_micros,
    managedWindowMinutes: row.managed_window_minutes,
    enabled: row.enabled === 1,
    statusState: row.status_state as ProcurementRecord['statusState'],
    statusMessage: row.status_message,
    nextRunAt: row.next_run_at,
    runDueAt: row.run_due_at,
    startsAt: row.starts_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqlProcurementRepository implements ProcurementRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(procurement: Omit<ProcurementRecord, 'seq'>): Promise<NamedWrite> {
    const values = {
      id: procurement.id,
      account_id: procurement.accountId,
      workspace_id: procurement.workspaceId,
      name: procurement.name,
      pool_id: procurement.poolId,
      instance_sku_id: procurement.instanceSkuId,
      target: procurement.target === 'node_count' ? nodeCountTarget : procurement.target,
      min_sell_micros: procurement.minSellMicros,
      max_buy_micros: procurement.maxBuyMicros,
      managed_window_minutes: procurement.managedWindowMinutes,
      enabled: procurement.enabled ? 1 : 0,
      status_state: procurement.statusState,
      status_message: procurement.statusMessage,
      next_run_at: procurement.nextRunAt,
      run_due_at: procurement.runDueAt ?? null,
      starts_at: procurement.startsAt,
      created_at: procurement.createdAt,
      updated_at: procurement.updatedAt,
      deleted_at: null,
    };
    return guardName(this.adapter, () => this.trx.insertInto('procurements').values(values).execute());
  }

  async findById(accountId: string, id: string): Promise<ProcurementView | undefined> {
    const row = await procurementViews(this.trx).where('procurements.account_id', '=', accountId).where('procurements.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async findByIdForEngine(id: string): Promise<ProcurementView | undefined> {
    const row = await procurementViews(this.trx).where('procurements.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async findByName(workspaceId: string, name: string): Promise<ProcurementView | undefined> {
    const row = await procurementViews(this.trx).where('procurements.workspace_id', '=', workspaceId).where('procurements.name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async findForPoolSku(poolId: string, instanceSkuId: string): Promise<ProcurementView | undefined> {
    const [row] = await procurementOfPoolSku.execute(this.trx, this.adapter, poolId, instanceSkuId);
    return row === undefined ? undefined : toView(row);
  }

  async poolSkusWithProcurement(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const wanted = new Set(keys.map((key) => `${key.poolId} ${key.instanceSkuId}`));
    const rows = await this.trx
      .selectFrom('procurements')
      .select(['pool_id', 'instance_sku_id'])
      .where('pool_id', 'in', [...new Set(keys.map((key) => key.poolId))])
      .where('deleted_at', 'is', null)
      .execute();
    return new Set(rows.map((row) => `${row.pool_id} ${row.instance_sku_id}`).filter((key) => wanted.has(key)));
  }

  async list(filter: { readonly accountId: string; readonly workspaceId: string | null; readonly poolId: string | null }, page: PageRequest): Promise<ProcurementView[]> {
    let query = procurementViews(this.trx).where('procurements.account_id', '=', filter.accountId);
    if (filter.workspaceId !== null) query = query.where('procurements.workspace_id', '=', filter.workspaceId);
    if (filter.poolId !== null) query = query.where('procurements.pool_id', '=', filter.poolId);
    return (await pageBySeq(query, 'procurements.seq', page).execute()).map(toView);
  }

  async update(id: string, changes: Parameters<ProcurementRepository['update']>[1]): Promise<NamedWrite> {
    const set: Partial<Record<keyof Database['procurements'], unknown>> = { updated_at: changes.updatedAt };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.instanceSkuId !== undefined) set.instance_sku_id = changes.instanceSkuId;
    if (changes.target !== undefined) set.target = changes.target === 'node_count' ? nodeCountTarget : changes.target;
    if (changes.minSellMicros !== undefined) set.min_sell_micros = changes.minSellMicros;
    if (changes.maxBuyMicros !== undefined) set.max_buy_micros = changes.maxBuyMicros;
    if (changes.managedWindowMinutes !== undefined) set.managed_window_minutes = changes.managedWindowMinutes;
    if (changes.enabled !== undefined) set.enabled = changes.enabled ? 1 : 0;
    if (changes.statusState !== undefined) set.status_state = changes.statusState;
    if (changes.statusMessage !== undefined) set.status_message = changes.statusMessage;
    if (changes.nextRunAt !== undefined) set.next_run_at = changes.nextRunAt;
    if (changes.runDueAt !== undefined) set.run_due_at = changes.runDueAt;
    return guardName(this.adapter, () => this.trx.updateTable('procurements').set(set as never).where('id', '=', id).execute());
  }

  async softDelete(id: string, now: number): Promise<void> {
    await this.trx.updateTable('procurements').set({ deleted_at: now, next_run_at: null }).where('id', '=', id).execute();
  }

  async dueRuns(upTo: number, limit: number): Promise<{ readonly id: string; readonly at: number }[]> {
    const rows = await this.trx
      .selectFrom('procurements')
      .select(['id', 'next_run_at'])
      .where('deleted_at', 'is', null)
      .where('next_run_at', '<=', upTo)
      .orderBy('next_run_at')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, at: row.next_run_at! }));
  }

  async countEnabledForSku(instanceSkuId: string): Promise<number> {
    const row = await this.trx
      .selectFrom('procurements')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('instance_sku_id', '=', instanceSkuId)
      .where('deleted_at', 'is', null)
      .where('enabled', '=', 1)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async skuWithBehindAhead(instanceSkuId: string, now: number): Promise<Ahead<{ readonly sku: InstanceSkuRecord; readonly procurementsBehind: boolean } | undefined>> {
    const read = await skuWithBehind.executeAhead(this.trx, this.adapter, instanceSkuId, now);
    return async () => {
      const [row] = await read.rows;
      // A boolean on PostgreSQL, 0 or 1 on SQLite.
      return row === undefined ? undefined : { sku: toSku(row), procurementsBehind: Boolean(row.procurements_behind) };
    };
  }

  async behind(now: number, instanceSkuId: string | null): Promise<ProcurementView[]> {
    const rows = instanceSkuId !== null ? await behindOfSku.execute(this.trx, this.adapter, instanceSkuId, now) : await behindQuery(procurementViews(this.trx), now).execute();
    return rows.map(toView);
  }
}
