// Pools: an account's containers of allocation. Reads join the workspace for its name, which the
// pool's resource path carries. Deleted pools stay as rows but free their name.

import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { TagFilter, Tags } from '../../../domain/kernel/tags.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { PoolKind } from '../../../domain/allocation/pools.js';
import type { Ahead, DeletedContainerContent, NamedWrite } from '../../kernel.js';
import type { PoolListFilter, PoolRecord, PoolRepository, PoolView, PoolWithHoldings } from '../../allocation.js';
import { lockLiveRowForChange } from '../row-locks.js';
import { pageBySeq } from '../paging.js';
import { preparedDialectQuery, preparedQuery } from '../prepared.js';
import { decodeSchedule } from '../schedules.js';
import { guardName } from '../named-write.js';
import type { RememberedCatalog } from '../../remembered-catalog.js';

interface PoolViewRow {
  seq: number;
  id: string;
  account_id: string;
  workspace_id: string;
  workspace_name: string;
  name: string;
  kind: string;
  tags: string;
  created_at: number;
}

function toPoolView(row: PoolViewRow): PoolView {
  return {
    seq: row.seq,
    id: row.id,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    workspaceName: row.workspace_name,
    name: row.name,
    kind: row.kind as PoolKind,
    tags: JSON.parse(row.tags) as Tags,
    createdAt: row.created_at,
  };
}

function poolViews(db: Kysely<Database>) {
  return db
    .selectFrom('pools')
    .innerJoin('workspaces', 'workspaces.id', 'pools.workspace_id')
    .select([
      'pools.seq',
      'pools.id',
      'pools.account_id',
      'pools.workspace_id',
      'workspaces.name as workspace_name',
      'pools.name',
      'pools.kind',
      'pools.tags',
      'pools.created_at',
    ])
    .where('pools.deleted_at', 'is', null);
}

interface PoolWithHoldingsRow extends PoolViewRow {
  /** JSON text of what the pool holds; see poolsWithHoldings. */
  balances: string;
  deployments: string;
  procurements: string;
}

function toPoolWithHoldings(row: PoolWithHoldingsRow): PoolWithHoldings {
  const balances = JSON.parse(row.balances) as { instance_sku_id: string; schedule: string }[];
  const deployments = JSON.parse(row.deployments) as PoolWithHoldings['deployments'][number][];
  return {
    ...toPoolView(row),
    balances: balances.map((balance) => ({ instanceSkuId: balance.instance_sku_id, schedule: decodeSchedule(balance.schedule) })),
    deployments,
    procurements: JSON.parse(row.procurements) as { id: string; name: string }[],
  };
}

/** Pools with what they hold, in one statement: a pool's read costs one round trip, not four. */
function poolsWithHoldings(db: Kysely<Database>, adapter: DialectAdapter) {
  return poolViews(db).select((eb) => [
    adapter
      .jsonArrayText(eb.selectFrom('allocation_balances').select(['allocation_balances.instance_sku_id', 'allocation_balances.schedule']).whereRef('allocation_balances.pool_id', '=', 'pools.id').orderBy('allocation_balances.instance_sku_id'))
      .as('balances'),
    adapter
      .jsonArrayText(eb.selectFrom('deployments').select(['deployments.id', 'deployments.name', 'deployments.kind']).whereRef('deployments.pool_id', '=', 'pools.id').where('deployments.deleted_at', 'is', null).orderBy('deployments.seq'))
      .as('deployments'),
    adapter
      .jsonArrayText(eb.selectFrom('procurements').select(['procurements.id', 'procurements.name']).whereRef('procurements.pool_id', '=', 'pools.id').where('procurements.deleted_at', 'is', null).orderBy('procurements.seq'))
      .as('procurements'),
  ]);
}

const poolById = preparedQuery(2, (db, accountId: string, id: string) => poolViews(db).where('pools.account_id', '=', accountId).where('pools.id', '=', id));
const poolByIdForOperator = preparedQuery(1, (db, id: string) => poolViews(db).where('pools.id', '=', id));
const poolByName = preparedQuery(2, (db, workspaceId: string, name: string) => poolViews(db).where('pools.workspace_id', '=', workspaceId).where('pools.name', '=', name));
const poolWithHoldingsById = preparedDialectQuery(2, (db, adapter, accountId: string, id: string) => poolsWithHoldings(db, adapter).where('pools.account_id', '=', accountId).where('pools.id', '=', id));
const poolWithHoldingsByName = preparedDialectQuery(2, (db, adapter, workspaceId: string, name: string) => poolsWithHoldings(db, adapter).where('pools.workspace_id', '=', workspaceId).where('pools.name', '=', name));

/** Pools locked against deletion (`lockLive`), in id order; the shapes of one and two pools
 * (every move of allocation, every order) are prepared. */
function lockLiveQuery(db: Kysely<Database>, adapter: DialectAdapter, ids: readonly string[]) {
  const query = db.selectFrom('pools').select('id').where('id', 'in', ids).where('deleted_at', 'is', null).orderBy('id');
  return adapter.supportsRowLocks ? query.forShare() : query;
}
const lockOneLive = preparedDialectQuery(1, (db, adapter, id: string) => lockLiveQuery(db, adapter, [id]));
const lockTwoLive = preparedDialectQuery(2, (db, adapter, id: string, otherId: string) => lockLiveQuery(db, adapter, [id, otherId]));

/** An account's live pools by id, read and locked as `lockLive` locks them (only the pools' rows,
 * not their workspaces'), in id order; the shapes of one and two pools are prepared. */
function liveLockedQuery(db: Kysely<Database>, adapter: DialectAdapter, accountId: string, ids: readonly string[]) {
  const query = poolViews(db).where('pools.account_id', '=', accountId).where('pools.id', 'in', ids).orderBy('pools.id');
  return adapter.supportsRowLocks ? query.forShare('pools') : query;
}
const oneLiveLocked = preparedDialectQuery(2, (db, adapter, accountId: string, id: string) => liveLockedQuery(db, adapter, accountId, [id]));
const twoLiveLocked = preparedDialectQuery(3, (db, adapter, accountId: string, id: string, otherId: string) => liveLockedQuery(db, adapter, accountId, [id, otherId]));

function livePoolKey(id: string): string {
  return `live pool ${id}`;
}

/** The account's live pools of `ids` (sorted, distinct) if all are remembered, else null. A pool
 * of another account is not one of its pools, as the read's own condition says. */
function rememberedLivePools(catalog: RememberedCatalog, accountId: string, ids: readonly string[]): PoolView[] | null {
  const pools: PoolView[] = [];
  for (const id of ids) {
    const pool = catalog.get<PoolView>(livePoolKey(id));
    if (pool === undefined) return null;
    if (pool.accountId === accountId) pools.push(pool);
  }
  return pools;
}

export class SqlPoolRepository implements PoolRepository {
  /** The pools this transaction locked live (`lockLive`): a second lock of one reads nothing. */
  readonly #lockedLive = new Set<string>();

  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
    /** Live pools remembered between transactions (SQLite only), and what is told of each write. */
    private readonly catalog: RememberedCatalog | null,
    private readonly writes: (what: 'catalog') => void,
  ) {}

  /** Forgets what was locked: the pools were deleted in this transaction (a reset). */
  forgetLocked(): void {
    this.#lockedLive.clear();
  }

  async insert(pool: Omit<PoolRecord, 'seq'>): Promise<NamedWrite> {
    const values = {
      id: pool.id,
      account_id: pool.accountId,
      workspace_id: pool.workspaceId,
      name: pool.name,
      kind: pool.kind,
      tags: JSON.stringify(pool.tags),
      created_at: pool.createdAt,
      deleted_at: null,
    };
    this.writes('catalog');
    return guardName(this.adapter, () => this.trx.insertInto('pools').values(values).execute());
  }

  async findById(accountId: string, id: string): Promise<PoolView | undefined> {
    const [row] = await poolById.execute(this.trx, this.adapter, accountId, id);
    return row === undefined ? undefined : toPoolView(row);
  }

  async findLiveLocked(accountId: string, ids: readonly string[]): Promise<PoolView[]> {
    const distinct = [...new Set(ids)].sort();
    // Where pools are remembered there are no row locks: a pool found live is all this is.
    const remembered = this.catalog === null ? null : rememberedLivePools(this.catalog, accountId, distinct);
    if (remembered !== null) {
      for (const pool of remembered) this.#lockedLive.add(pool.id);
      return remembered;
    }
    const mark = this.catalog?.mark ?? -1;
    const rows =
      distinct.length === 1
        ? await oneLiveLocked.execute(this.trx, this.adapter, accountId, distinct[0]!)
        : distinct.length === 2
          ? await twoLiveLocked.execute(this.trx, this.adapter, accountId, distinct[0]!, distinct[1]!)
          : distinct.length === 0
            ? []
            : await liveLockedQuery(this.trx, this.adapter, accountId, distinct).execute();
    for (const row of rows) this.#lockedLive.add(row.id);
    const pools = rows.map(toPoolView);
    for (const pool of pools) this.catalog?.remember(mark, livePoolKey(pool.id), pool);
    return pools;
  }

  async findByIdForOperator(id: string): Promise<PoolView | undefined> {
    const [row] = await poolByIdForOperator.execute(this.trx, this.adapter, id);
    return row === undefined ? undefined : toPoolView(row);
  }

  async findByName(workspaceId: string, name: string): Promise<PoolView | undefined> {
    const [row] = await poolByName.execute(this.trx, this.adapter, workspaceId, name);
    return row === undefined ? undefined : toPoolView(row);
  }

  async findWithHoldingsById(accountId: string, id: string): Promise<PoolWithHoldings | undefined> {
    const [row] = await poolWithHoldingsById.execute(this.trx, this.adapter, accountId, id);
    return row === undefined ? undefined : toPoolWithHoldings(row);
  }

  async findWithHoldingsByName(workspaceId: string, name: string): Promise<PoolWithHoldings | undefined> {
    const [row] = await poolWithHoldingsByName.execute(this.trx, this.adapter, workspaceId, name);
    return row === undefined ? undefined : toPoolWithHoldings(row);
  }

  async listWithHoldings(filter: PoolListFilter, page: PageRequest): Promise<PoolWithHoldings[]> {
    let query = poolsWithHoldings(this.trx, this.adapter).where('pools.account_id', '=', filter.accountId);
    if (filter.workspaceId !== null) query = query.where('pools.workspace_id', '=', filter.workspaceId);
    if (filter.ids !== null) {
      if (filter.ids.length === 0) return [];
      query = query.where('pools.id', 'in', filter.ids);
    }
    const tagConditions = this.tagConditions(filter.tags);
    if (tagConditions.length > 0) query = query.where((eb) => eb.and(tagConditions));
    const rows = await pageBySeq(query, 'pools.seq', page).execute();
    return rows.map((row) => toPoolWithHoldings(row));
  }

  async countInWorkspace(workspaceId: string): Promise<number> {
    const row = await this.trx
      .selectFrom('pools')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async update(id: string, changes: { readonly name?: string; readonly tags?: Tags }): Promise<NamedWrite> {
    const set: { name?: string; tags?: string } = {};
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.tags !== undefined) set.tags = JSON.stringify(changes.tags);
    if (Object.keys(set).length === 0) return 'written';
    this.writes('catalog');
    return guardName(this.adapter, () => this.trx.updateTable('pools').set(set).where('id', '=', id).execute());
  }

  async softDelete(id: string, now: number): Promise<void> {
    this.writes('catalog');
    await this.trx.updateTable('pools').set({ deleted_at: now }).where('id', '=', id).execute();
    this.#lockedLive.delete(id);
  }

  lockForChange(id: string): Promise<boolean> {
    return lockLiveRowForChange(this.trx, this.adapter, 'pools', id);
  }

  async lockLive(ids: readonly string[]): Promise<Set<string>> {
    // A pool this transaction locked live stays live until it ends, unless it deletes it itself.
    const missing = [...new Set(ids)].filter((id) => !this.#lockedLive.has(id)).sort();
    if (missing.length > 0) {
      // Read again after any wait: at READ COMMITTED PostgreSQL re-checks `deleted_at` on the row
      // version a deletion that committed meanwhile left.
      const rows =
        missing.length === 1
          ? await lockOneLive.execute(this.trx, this.adapter, missing[0]!)
          : missing.length === 2
            ? await lockTwoLive.execute(this.trx, this.adapter, missing[0]!, missing[1]!)
            : await lockLiveQuery(this.trx, this.adapter, missing).execute();
      for (const row of rows) this.#lockedLive.add(row.id);
    }
    return new Set(ids.filter((id) => this.#lockedLive.has(id)));
  }

  async lockLiveAhead(ids: readonly string[]): Promise<Ahead<Set<string>>> {
    const missing = [...new Set(ids)].filter((id) => !this.#lockedLive.has(id)).sort();
    let read: { readonly rows: Promise<{ id: string }[]> } | null = null;
    if (missing.length === 1) read = await lockOneLive.executeAhead(this.trx, this.adapter, missing[0]!);
    else if (missing.length === 2) read = await lockTwoLive.executeAhead(this.trx, this.adapter, missing[0]!, missing[1]!);
    else if (missing.length > 2) {
      const compiled = lockLiveQuery(this.trx, this.adapter, missing).compile();
      read = await this.adapter.readAhead<{ id: string }>(this.trx, compiled.sql, compiled.parameters);
    }
    return async () => {
      if (read !== null) for (const row of await read.rows) this.#lockedLive.add(row.id);
      return new Set(ids.filter((id) => this.#lockedLive.has(id)));
    };
  }

  async listDeleted(): Promise<{ readonly id: string; readonly deletedAt: number }[]> {
    const rows = await this.trx.selectFrom('pools').select(['id', 'deleted_at']).where('deleted_at', 'is not', null).execute();
    return rows.map((row) => ({ id: row.id, deletedAt: row.deleted_at! }));
  }

  async liveContentsOfDeleted(): Promise<DeletedContainerContent[]> {
    const deleted = this.trx.selectFrom('pools').select('id').where('deleted_at', 'is not', null);
    const instances = await this.trx.selectFrom('instances').select(['id', 'pool_id']).where('pool_id', 'in', deleted).where('status', 'in', ['awaiting_allocation', 'running']).where('deleted_at', 'is', null).execute();
    const orders = await this.trx.selectFrom('orders').select(['id', 'pool_id']).where('pool_id', 'in', deleted).where('status', 'in', ['standing', 'partially_filled']).execute();
    const deployments = await this.trx.selectFrom('deployments').select(['id', 'pool_id']).where('pool_id', 'in', deleted).where('deleted_at', 'is', null).execute();
    const procurements = await this.trx.selectFrom('procurements').select(['id', 'pool_id']).where('pool_id', 'in', deleted).where('deleted_at', 'is', null).execute();
    const of = (kind: DeletedContainerContent['kind'], rows: readonly { id: string; pool_id: string }[]) => rows.map((row) => ({ kind, id: row.id, containerId: row.pool_id }));
    return [...of('instance', instances), ...of('resting order', orders), ...of('deployment', deployments), ...of('procurement', procurements)];
  }

  private tagConditions(filter: TagFilter): Expression<SqlBool>[] {
    const entries = this.adapter.jsonObjectEntries('pools.tags');
    return [
      ...filter.pairs.map(({ key, value }) => sql<SqlBool>`exists (select 1 from ${entries} as tag where tag.key = ${key} and tag.value = ${value})`),
      ...filter.keys.map((key) => sql<SqlBool>`exists (select 1 from ${entries} as tag where tag.key = ${key})`),
    ];
  }
}
