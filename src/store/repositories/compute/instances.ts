// Instances: what runs on a pool's allocation. Reads join the names their responses carry.

import { type Expression, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { InstancePriority, InstanceStatus } from '../../../domain/compute/placement.js';
import type { TagFilter, Tags } from '../../../domain/kernel/tags.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { DeploymentKind, InstanceListFilter, InstanceRecord, PlacedInstance, InstanceRepository, InstanceView } from '../../compute.js';
import type { NamedWrite } from '../../kernel.js';
import { pageBySeq } from '../paging.js';
import { preparedDialectQuery, preparedQuery } from '../prepared.js';
import { inList, inPairList, listParameter, pairListParameter } from '../lists.js';
import { guardName } from '../named-write.js';
import { instanceRowsPerInsertMax } from '../../../domain/kernel/limits.js';

const liveStatuses: InstanceStatus[] = ['awaiting_allocation', 'running'];

function instanceViews(db: Kysely<Database>) {
  return db
    .selectFrom('instances')
    .innerJoin('workspaces', 'workspaces.id', 'instances.workspace_id')
    .innerJoin('pools', 'pools.id', 'instances.pool_id')
    .innerJoin('instance_skus', 'instance_skus.id', 'instances.instance_sku_id')
    .innerJoin('images', 'images.id', 'instances.image_id')
    .leftJoin('deployments', 'deployments.id', 'instances.deployment_id')
    .selectAll('instances')
    .select([
      'workspaces.name as workspace_name',
      'pools.name as pool_name',
      'instance_skus.alias as instance_sku_alias',
      'images.name as image_name',
      'deployments.name as deployment_name',
      'deployments.kind as deployment_kind',
    ])
    .where('instances.deleted_at', 'is', null);
}

const instanceById = preparedQuery(2, (db, accountId: string, id: string) => instanceViews(db).where('instances.account_id', '=', accountId).where('instances.id', '=', id));
const liveInPoolSku = preparedQuery(2, (db, poolId: string, instanceSkuId: string) =>
  db.selectFrom('instances').selectAll().where('pool_id', '=', poolId).where('instance_sku_id', '=', instanceSkuId).where('status', 'in', liveStatuses).where('deleted_at', 'is', null),
);

/** The live instances of a batch's pools and SKUs, placement's columns only: one statement of one shape for any batch. */
const liveInPoolSkuList = preparedDialectQuery(1, (db, adapter, pairs: string) =>
  db
    .selectFrom('instances')
    .select(['seq', 'id', 'pool_id', 'instance_sku_id', 'deployment_id', 'priority', 'status', 'created_at'])
    .where(inPairList(adapter, 'pool_id', 'instance_sku_id', pairs))
    .where('status', 'in', liveStatuses)
    .where('deleted_at', 'is', null)
    .orderBy('pool_id')
    .orderBy('instance_sku_id')
    .orderBy('status')
    .orderBy('seq'),
);
/** Instances started or ended, by id, in one statement of one shape however many. */
const markListRunning = preparedDialectQuery(2, (db, adapter, at: number, ids: string) => db.updateTable('instances').set({ status: 'running', started_at: at, updated_at: at }).where(inList(adapter, 'id', ids)));
const markListEnded = preparedDialectQuery(3, (db, adapter, status: string, at: number, ids: string) => db.updateTable('instances').set({ status, ended_at: at, updated_at: at }).where(inList(adapter, 'id', ids)));

type InstanceRow = Awaited<ReturnType<ReturnType<typeof instanceViews>['execute']>>[number];
type PlainInstanceRow = Selectable<Database['instances']>;

function instanceRow(instance: Omit<InstanceRecord, 'seq'>) {
  return {
    id: instance.id,
    account_id: instance.accountId,
    workspace_id: instance.workspaceId,
    name: instance.name,
    pool_id: instance.poolId,
    instance_sku_id: instance.instanceSkuId,
    image_id: instance.imageId,
    deployment_id: instance.deploymentId,
    cloud_init_user_data: instance.cloudInitUserData,
    tags: JSON.stringify(instance.tags),
    priority: instance.priority,
    status: instance.status,
    enable_public_ipv4: instance.enablePublicIpv4 ? 1 : 0,
    firewall: instance.firewall,
    infiniband: instance.infiniband ? 1 : 0,
    created_at: instance.createdAt,
    updated_at: instance.updatedAt,
    started_at: instance.startedAt,
    ended_at: instance.endedAt,
    deleted_at: null,
  };
}

function toRecord(row: PlainInstanceRow): InstanceRecord {
  return {
    seq: row.seq,
    id: row.id,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    name: row.name,
    poolId: row.pool_id,
    instanceSkuId: row.instance_sku_id,
    imageId: row.image_id,
    deploymentId: row.deployment_id,
    cloudInitUserData: row.cloud_init_user_data,
    tags: JSON.parse(row.tags) as Tags,
    priority: row.priority as InstancePriority,
    status: row.status as InstanceStatus,
    enablePublicIpv4: row.enable_public_ipv4 === 1,
    firewall: row.firewall,
    infiniband: row.infiniband === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

function toView(row: InstanceRow): InstanceView {
  return {
    ...toRecord(row as unknown as PlainInstanceRow),
    workspaceName: row.workspace_name,
    poolName: row.pool_name,
    instanceSkuAlias: row.instance_sku_alias,
    imageName: row.image_name,
    deploymentName: row.deployment_name,
    deploymentKind: row.deployment_kind as DeploymentKind | null,
  };
}

export class SqlInstanceRepository implements InstanceRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(instance: Parameters<InstanceRepository['insert']>[0]): Promise<NamedWrite> {
    return guardName(this.adapter, () => this.trx.insertInto('instances').values(instanceRow(instance)).execute());
  }

  async insertMany(instances: Parameters<InstanceRepository['insertMany']>[0]): Promise<void> {
    for (let first = 0; first < instances.length; first += instanceRowsPerInsertMax) {
      await this.trx.insertInto('instances').values(instances.slice(first, first + instanceRowsPerInsertMax).map(instanceRow)).execute();
    }
  }

  async namesTaken(workspaceId: string, names: readonly string[]): Promise<Set<string>> {
    const taken = new Set<string>();
    for (let first = 0; first < names.length; first += instanceRowsPerInsertMax) {
      const rows = await this.trx.selectFrom('instances').select('name').where('workspace_id', '=', workspaceId).where('name', 'in', names.slice(first, first + instanceRowsPerInsertMax)).execute();
      for (const row of rows) taken.add(row.name);
    }
    return taken;
  }

  async insertManyUnlessNameTaken(instances: Parameters<InstanceRepository['insertManyUnlessNameTaken']>[0]): Promise<Set<string>> {
    const written = new Set<string>();
    for (let first = 0; first < instances.length; first += instanceRowsPerInsertMax) {
      const rows = await this.trx
        .insertInto('instances')
        .values(instances.slice(first, first + instanceRowsPerInsertMax).map(instanceRow))
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .execute();
      for (const row of rows) written.add(row.id);
    }
    return written;
  }

  async findById(accountId: string, id: string): Promise<InstanceView | undefined> {
    const [row] = await instanceById.execute(this.trx, this.adapter, accountId, id);
    return row === undefined ? undefined : toView(row);
  }

  async findByIdForOperator(id: string): Promise<InstanceView | undefined> {
    const row = await instanceViews(this.trx).where('instances.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async findByName(workspaceId: string, name: string): Promise<InstanceView | undefined> {
    const row = await instanceViews(this.trx).where('instances.workspace_id', '=', workspaceId).where('instances.name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async list(filter: InstanceListFilter, page: PageRequest): Promise<InstanceView[]> {
    let query = instanceViews(this.trx).where('instances.account_id', '=', filter.accountId);
    if (filter.workspaceId !== null) query = query.where('instances.workspace_id', '=', filter.workspaceId);
    for (const [column, values] of [
      ['instances.id', filter.ids],
      ['instances.pool_id', filter.poolIds],
      ['instances.instance_sku_id', filter.instanceSkuIds],
      ['instances.status', filter.statuses],
    ] as const) {
      if (values === null) continue;
      if (values.length === 0) return [];
      query = query.where(column, 'in', values as string[]);
    }
    if (filter.createdAfter !== null) query = query.where('instances.created_at', '>', filter.createdAfter);
    if (filter.createdBefore !== null) query = query.where('instances.created_at', '<', filter.createdBefore);
    const tagConditions = this.tagConditions(filter.tags);
    if (tagConditions.length > 0) query = query.where((eb) => eb.and(tagConditions));
    return (await pageBySeq(query, 'instances.seq', page).execute()).map(toView);
  }

  async liveInPoolSku(poolId: string, instanceSkuId: string): Promise<InstanceRecord[]> {
    return (await liveInPoolSku.execute(this.trx, this.adapter, poolId, instanceSkuId)).map(toRecord);
  }

  async liveInPoolSkus(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<PlacedInstance[]> {
    if (keys.length === 0) return [];
    const rows = await liveInPoolSkuList.execute(this.trx, this.adapter, pairListParameter(keys.map((key) => [key.poolId, key.instanceSkuId])));
    return rows.map((row) => ({ seq: row.seq, id: row.id, poolId: row.pool_id, instanceSkuId: row.instance_sku_id, deploymentId: row.deployment_id, priority: row.priority as InstancePriority, status: row.status as InstanceStatus, createdAt: row.created_at }));
  }

  async runningInPoolSkus(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<InstanceRecord[]> {
    if (keys.length === 0) return [];
    const rows = await this.trx
      .selectFrom('instances')
      .selectAll()
      .where('status', '=', 'running')
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or(keys.map((key) => eb.and([eb('pool_id', '=', key.poolId), eb('instance_sku_id', '=', key.instanceSkuId)]))))
      .execute();
    return rows.map(toRecord);
  }

  async liveOfDeployment(deploymentId: string): Promise<InstanceRecord[]> {
    const rows = await this.trx.selectFrom('instances').selectAll().where('deployment_id', '=', deploymentId).where('status', 'in', liveStatuses).where('deleted_at', 'is', null).execute();
    return rows.map(toRecord);
  }

  async historyOfPools(poolIds: readonly string[]): Promise<InstanceRecord[]> {
    if (poolIds.length === 0) return [];
    const rows = await this.trx.selectFrom('instances').selectAll().where('pool_id', 'in', poolIds).where('deleted_at', 'is', null).orderBy('seq').execute();
    return rows.map(toRecord);
  }

  async ofAccount(accountId: string): Promise<InstanceRecord[]> {
    const rows = await this.trx.selectFrom('instances').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null).orderBy('seq').execute();
    return rows.map(toRecord);
  }

  async markRunning(ids: readonly string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await markListRunning.execute(this.trx, this.adapter, at, listParameter(this.adapter, ids));
  }

  async markEnded(ids: readonly string[], status: 'terminated' | 'failed', at: number): Promise<void> {
    if (ids.length === 0) return;
    await markListEnded.execute(this.trx, this.adapter, status, at, listParameter(this.adapter, ids));
  }

  async update(id: string, changes: Parameters<InstanceRepository['update']>[1]): Promise<NamedWrite> {
    const set: { name?: string; tags?: string; priority?: string; updated_at: number } = { updated_at: changes.updatedAt };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.tags !== undefined) set.tags = JSON.stringify(changes.tags);
    if (changes.priority !== undefined) set.priority = changes.priority;
    return guardName(this.adapter, () => this.trx.updateTable('instances').set(set).where('id', '=', id).execute());
  }

  async softDelete(id: string, now: number): Promise<void> {
    await this.trx.updateTable('instances').set({ deleted_at: now }).where('id', '=', id).execute();
  }

  async countLiveInPool(poolId: string): Promise<number> {
    const row = await this.trx
      .selectFrom('instances')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('pool_id', '=', poolId)
      .where('status', 'in', liveStatuses)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async runningCounts(): Promise<{ readonly poolId: string; readonly instanceSkuId: string; readonly running: number }[]> {
    const rows = await this.trx
      .selectFrom('instances')
      .select(['pool_id', 'instance_sku_id', (eb) => eb.fn.countAll<number>().as('running')])
      .where('status', '=', 'running')
      .where('deleted_at', 'is', null)
      .groupBy(['pool_id', 'instance_sku_id'])
      .execute();
    return rows.map((row) => ({ poolId: row.pool_id, instanceSkuId: row.instance_sku_id, running: Number(row.running) }));
  }

  async countsByStatus(): Promise<{ readonly status: InstanceStatus; readonly count: number }[]> {
    const rows = await this.trx
      .selectFrom('instances')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('deleted_at', 'is', null)
      .groupBy('status')
      .execute();
    return rows.map((row) => ({ status: row.status as InstanceStatus, count: Number(row.count) }));
  }

  private tagConditions(filter: TagFilter): Expression<SqlBool>[] {
    const entries = this.adapter.jsonObjectEntries('instances.tags');
    return [
      ...filter.pairs.map(({ key, value }) => sql<SqlBool>`exists (select 1 from ${entries} as tag where tag.key = ${key} and tag.value = ${value})`),
      ...filter.keys.map((key) => sql<SqlBool>`exists (select 1 from ${entries} as tag where tag.key = ${key})`),
    ];
  }
}
