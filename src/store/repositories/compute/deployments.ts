// Deployments: keep a number of instances from a template running on a pool's allocation.

import type { Kysely } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { DeploymentKind, DeploymentListFilter, DeploymentRepository, DeploymentSummary, DeploymentView } from '../../compute.js';
import type { NamedWrite } from '../../kernel.js';
import { pageBySeq } from '../paging.js';
import { preparedQuery } from '../prepared.js';
import { guardName } from '../named-write.js';

/** A pool's live deployments. */
const activeInPool = preparedQuery(1, (db, poolId: string) =>
  db.selectFrom('deployments').select(['pool_id', 'instance_sku_id', 'kind', 'id', 'name']).where('pool_id', '=', poolId).where('deleted_at', 'is', null).orderBy('seq'),
);

function deploymentViews(db: Kysely<Database>) {
  return db
    .selectFrom('deployments')
    .innerJoin('workspaces', 'workspaces.id', 'deployments.workspace_id')
    .innerJoin('pools', 'pools.id', 'deployments.pool_id')
    .innerJoin('instance_skus', 'instance_skus.id', 'deployments.instance_sku_id')
    .innerJoin('instance_templates', 'instance_templates.id', 'deployments.instance_template_id')
    .selectAll('deployments')
    .select(['workspaces.name as workspace_name', 'pools.name as pool_name', 'instance_skus.alias as instance_sku_alias', 'instance_templates.name as instance_template_name'])
    .where('deployments.deleted_at', 'is', null);
}

type DeploymentRow = Awaited<ReturnType<ReturnType<typeof deploymentViews>['execute']>>[number];

function toView(row: DeploymentRow): DeploymentView {
  return {
    seq: row.seq,
    id: row.id,
    kind: row.kind as DeploymentKind,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    workspaceName: row.workspace_name,
    name: row.name,
    poolId: row.pool_id,
    poolName: row.pool_name,
    instanceSkuId: row.instance_sku_id,
    instanceSkuAlias: row.instance_sku_alias,
    instanceTemplateId: row.instance_template_id,
    instanceTemplateName: row.instance_template_name,
    enabled: row.enabled === 1,
    targetInstanceCount: row.target_instance_count,
    instanceNameTemplate: row.instance_name_template,
    procurementId: row.procurement_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqlDeploymentRepository implements DeploymentRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(deployment: Parameters<DeploymentRepository['insert']>[0]): Promise<NamedWrite> {
    const values = {
      id: deployment.id,
      kind: deployment.kind,
      account_id: deployment.accountId,
      workspace_id: deployment.workspaceId,
      name: deployment.name,
      pool_id: deployment.poolId,
      instance_sku_id: deployment.instanceSkuId,
      instance_template_id: deployment.instanceTemplateId,
      enabled: deployment.enabled ? 1 : 0,
      target_instance_count: deployment.targetInstanceCount,
      instance_name_template: deployment.instanceNameTemplate,
      procurement_id: deployment.procurementId,
      created_at: deployment.createdAt,
      updated_at: deployment.updatedAt,
      deleted_at: null,
    };
    return guardName(this.adapter, () => this.trx.insertInto('deployments').values(values).execute());
  }

  async findById(accountId: string, id: string): Promise<DeploymentView | undefined> {
    const row = await deploymentViews(this.trx).where('deployments.account_id', '=', accountId).where('deployments.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async findByIdForEngine(id: string): Promise<DeploymentView | undefined> {
    const row = await deploymentViews(this.trx).where('deployments.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async findByName(workspaceId: string, name: string): Promise<DeploymentView | undefined> {
    const row = await deploymentViews(this.trx).where('deployments.workspace_id', '=', workspaceId).where('deployments.name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async list(filter: DeploymentListFilter, page: PageRequest): Promise<DeploymentView[]> {
    let query = deploymentViews(this.trx).where('deployments.account_id', '=', filter.accountId);
    if (filter.workspaceId !== null) query = query.where('deployments.workspace_id', '=', filter.workspaceId);
    if (filter.poolId !== null) query = query.where('deployments.pool_id', '=', filter.poolId);
    return (await pageBySeq(query, 'deployments.seq', page).execute()).map(toView);
  }

  async update(id: string, changes: Parameters<DeploymentRepository['update']>[1]): Promise<NamedWrite> {
    const set: Partial<Record<'name' | 'instance_template_id' | 'instance_name_template' | 'procurement_id', string>> & Partial<Record<'enabled' | 'target_instance_count' | 'updated_at', number>> = { updated_at: changes.updatedAt };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.instanceTemplateId !== undefined) set.instance_template_id = changes.instanceTemplateId;
    if (changes.enabled !== undefined) set.enabled = changes.enabled ? 1 : 0;
    if (changes.targetInstanceCount !== undefined) set.target_instance_count = changes.targetInstanceCount;
    if (changes.instanceNameTemplate !== undefined) set.instance_name_template = changes.instanceNameTemplate;
    if (changes.procurementId !== undefined && changes.procurementId !== null) set.procurement_id = changes.procurementId;
    return guardName(this.adapter, () => this.trx.updateTable('deployments').set(set).where('id', '=', id).execute());
  }

  async softDelete(id: string, now: number, endingInstances: boolean): Promise<void> {
    await this.trx.updateTable('deployments').set({ deleted_at: now, reconcile_at: endingInstances ? now : null }).where('id', '=', id).execute();
  }

  async lockDeleting(id: string): Promise<{ readonly poolId: string; readonly instanceSkuId: string } | undefined> {
    let query = this.trx.selectFrom('deployments').select(['pool_id', 'instance_sku_id']).where('id', '=', id).where('deleted_at', 'is not', null).where('reconcile_at', 'is not', null);
    if (this.adapter.supportsRowLocks) query = query.forNoKeyUpdate();
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : { poolId: row.pool_id, instanceSkuId: row.instance_sku_id };
  }

  async deletedAmong(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.trx.selectFrom('deployments').select('id').where('id', 'in', ids).where('deleted_at', 'is not', null).execute();
    return new Set(rows.map((row) => row.id));
  }

  async activeInPool(poolId: string): Promise<DeploymentSummary[]> {
    const rows = await activeInPool.execute(this.trx, this.adapter, poolId);
    return rows.map((row) => ({ poolId: row.pool_id, instanceSkuId: row.instance_sku_id, kind: row.kind as DeploymentKind, id: row.id, name: row.name }));
  }

  async findByProcurement(procurementId: string): Promise<DeploymentView | undefined> {
    const row = await deploymentViews(this.trx).where('deployments.procurement_id', '=', procurementId).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async countUsingTemplate(templateId: string): Promise<number> {
    const row = await this.trx
      .selectFrom('deployments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('instance_template_id', '=', templateId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async lockLive(id: string): Promise<boolean> {
    let query = this.trx.selectFrom('deployments').select('id').where('id', '=', id).where('deleted_at', 'is', null);
    if (this.adapter.supportsRowLocks) query = query.forNoKeyUpdate();
    return (await query.executeTakeFirst()) !== undefined;
  }

  async markDue(id: string, at: number): Promise<void> {
    await this.trx.updateTable('deployments').set({ reconcile_at: at }).where('id', '=', id).where('reconcile_at', 'is', null).execute();
  }

  async clearDue(id: string): Promise<void> {
    await this.trx.updateTable('deployments').set({ reconcile_at: null }).where('id', '=', id).where('reconcile_at', 'is not', null).execute();
  }

  async dueReconciles(upTo: number, limit: number): Promise<{ readonly id: string; readonly at: number }[]> {
    const rows = await this.trx
      .selectFrom('deployments')
      .select(['id', 'reconcile_at'])
      .where('reconcile_at', '<=', upTo)
      .orderBy('reconcile_at')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, at: row.reconcile_at! }));
  }
}
