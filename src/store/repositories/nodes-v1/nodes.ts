// v1 nodes: one machine's reservation, over a pool and the v2 resources that run it.

import type { Kysely, Updateable } from 'kysely';
import type { SkuProperties } from '../../../domain/allocation/instance-skus.js';
import { microsPerCent } from '../../../domain/kernel/money.js';
import { type NodeType, zoneOf } from '../../../domain/nodes-v1/nodes.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { NamedWrite } from '../../kernel.js';
import type { NodeListFilter, NodeRecord, NodeRepository, NodeView } from '../../nodes-v1.js';
import { guardName } from '../named-write.js';

function nodeViews(db: Kysely<Database>) {
  return db
    .selectFrom('nodes')
    .innerJoin('instance_skus', 'instance_skus.id', 'nodes.instance_sku_id')
    .leftJoin('deployments', 'deployments.id', 'nodes.deployment_id')
    .leftJoin('procurements', 'procurements.id', 'deployments.procurement_id')
    .selectAll('nodes')
    .select(['instance_skus.properties as sku_properties', 'deployments.procurement_id as procurement_id', 'procurements.max_buy_micros as procurement_max_buy_micros'])
    .where('nodes.deleted_at', 'is', null);
}

type NodeRow = Awaited<ReturnType<ReturnType<typeof nodeViews>['execute']>>[number];

function toView(row: NodeRow): NodeView {
  const properties = JSON.parse(row.sku_properties) as SkuProperties;
  return {
    seq: row.seq,
    id: row.id,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    name: row.name,
    nodeType: row.node_type as NodeType,
    poolId: row.pool_id,
    instanceSkuId: row.instance_sku_id,
    deploymentId: row.deployment_id,
    // An autoreserved node's price is its procurement's, which `PATCH /v0/procurements/{id}` (`sf nodes set`) changes.
    maxPriceCents: row.procurement_max_buy_micros === null ? row.max_price_cents : Math.round(row.procurement_max_buy_micros / microsPerCent),
    startAt: row.start_at,
    endAt: row.end_at,
    releasedAt: row.released_at,
    imageId: row.image_id,
    cloudInitUserData: row.cloud_init_user_data,
    forward443: row.forward_443 === 1,
    infiniband: row.infiniband === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    zone: properties.availability_zone ?? '',
    gpuType: zoneOf(properties)?.hardwareType ?? 'H100',
    procurementId: row.procurement_id,
  };
}

export class SqlNodeRepository implements NodeRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(node: Omit<NodeRecord, 'seq'>): Promise<NamedWrite> {
    const values = {
      id: node.id,
      account_id: node.accountId,
      workspace_id: node.workspaceId,
      name: node.name,
      node_type: node.nodeType,
      pool_id: node.poolId,
      instance_sku_id: node.instanceSkuId,
      deployment_id: node.deploymentId,
      max_price_cents: node.maxPriceCents,
      start_at: node.startAt,
      end_at: node.endAt,
      released_at: node.releasedAt,
      image_id: node.imageId,
      cloud_init_user_data: node.cloudInitUserData,
      forward_443: node.forward443 ? 1 : 0,
      infiniband: node.infiniband ? 1 : 0,
      created_at: node.createdAt,
      updated_at: node.updatedAt,
      deleted_at: null,
    };
    return guardName(this.adapter, () => this.trx.insertInto('nodes').values(values).execute());
  }

  async findById(accountId: string, id: string): Promise<NodeView | undefined> {
    const row = await nodeViews(this.trx).where('nodes.account_id', '=', accountId).where('nodes.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async findByName(accountId: string, name: string): Promise<NodeView | undefined> {
    const row = await nodeViews(this.trx).where('nodes.account_id', '=', accountId).where('nodes.name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async list(filter: NodeListFilter): Promise<NodeView[]> {
    let query = nodeViews(this.trx).where('nodes.account_id', '=', filter.accountId);
    if (filter.ids !== null) query = query.where('nodes.id', 'in', filter.ids.length === 0 ? [''] : filter.ids);
    if (filter.names !== null) query = query.where('nodes.name', 'in', filter.names.length === 0 ? [''] : filter.names);
    if (filter.nodeType !== null) query = query.where('nodes.node_type', '=', filter.nodeType);
    return (await query.orderBy('nodes.seq').execute()).map(toView);
  }

  async update(id: string, changes: Parameters<NodeRepository['update']>[1]): Promise<void> {
    const set: Updateable<Database['nodes']> = { updated_at: changes.updatedAt };
    if (changes.endAt !== undefined) set.end_at = changes.endAt;
    if (changes.releasedAt !== undefined) set.released_at = changes.releasedAt;
    if (changes.imageId !== undefined) set.image_id = changes.imageId;
    if (changes.cloudInitUserData !== undefined) set.cloud_init_user_data = changes.cloudInitUserData;
    if (changes.maxPriceCents !== undefined) set.max_price_cents = changes.maxPriceCents;
    await this.trx.updateTable('nodes').set(set).where('id', '=', id).execute();
  }

  async forwards443(poolId: string): Promise<boolean> {
    const row = await this.trx.selectFrom('nodes').select('forward_443').where('pool_id', '=', poolId).executeTakeFirst();
    return row !== undefined && row.forward_443 === 1;
  }

  async softDelete(id: string, now: number): Promise<void> {
    await this.trx.updateTable('nodes').set({ deleted_at: now, updated_at: now }).where('id', '=', id).execute();
  }
}
