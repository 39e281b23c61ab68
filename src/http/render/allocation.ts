// Allocation as the API shows it: instance SKUs and their property catalog, pools, pool
// transfers, and the operator's issuance and retirement entries.

import type { OperatorAllocationResult } from '../../app/allocation/issuance.js';
import type { CatalogPageEntry } from '../../app/allocation/instance-skus.js';
import type { PoolReading } from '../../app/allocation/pools.js';
import { displayValue, skuPropertyKeys } from '../../domain/allocation/instance-skus.js';
import { formatResourcePath, resourceTypes } from '../../domain/kernel/resource-paths.js';
import { toRectangles } from '../../domain/kernel/schedule.js';
import type { InstanceSkuRecord, PoolTransferView } from '../../store/allocation.js';

export function renderInstanceSkuSummary(id: string, alias: string) {
  return { object: 'instance_sku' as const, id, alias };
}

export function renderInstanceSku(sku: InstanceSkuRecord) {
  const properties = Object.fromEntries(
    skuPropertyKeys.map((key) => {
      const value = sku.properties[key];
      return [key, value === null ? null : { value, display_value: displayValue(key, value) }];
    }),
  );
  return { object: 'instance_sku' as const, id: sku.id, alias: sku.alias, ...properties, audience_hint: null };
}

export function renderCatalogEntry(entry: CatalogPageEntry) {
  const item = (name: string, displayName: string, description: string, stableAt: number) => ({
    name,
    display_name: displayName,
    description,
    documentation_link: null,
    stable_at: stableAt,
    deprecated_at: null,
    deprecation_info: null,
  });
  return {
    type: 'enumeration' as const,
    key: item(entry.key, entry.displayName, entry.description, entry.stableAt),
    values: entry.values.map((value) => item(value.name, value.displayName, `${entry.displayName}: ${value.displayName}`, value.stableAt)),
  };
}

export function renderPool({ pool, allocation, from, deployments, procurements }: PoolReading) {
  return {
    object: 'pool' as const,
    id: pool.id,
    resource_path: formatResourcePath(resourceTypes.pool, pool.accountId, pool.workspaceName, pool.name),
    owner: pool.accountId,
    workspace: pool.workspaceName,
    workspace_id: pool.workspaceId,
    name: pool.name,
    kind: pool.kind,
    allocation_schedule: {
      total: toRectangles(allocation.total, from),
      by_instance_sku: Object.fromEntries([...allocation.byInstanceSku].map(([skuId, schedule]) => [skuId, toRectangles(schedule, from)])),
    },
    created_at: pool.createdAt,
    procurements,
    deployments,
    tags: pool.tags,
  };
}

export function renderPoolTransfer(transfer: PoolTransferView) {
  return {
    object: 'pool_transfer' as const,
    id: transfer.id,
    status: transfer.status,
    created_at: transfer.createdAt,
    from_pool: transfer.fromPoolId,
    to_pool: transfer.toPoolId,
    instance_sku: renderInstanceSkuSummary(transfer.instanceSkuId, transfer.instanceSkuAlias),
    allocation_schedule_delta: toRectangles(transfer.delta),
    rejected_reason: transfer.rejectedReason,
  };
}

/** An issuance or retirement, as the operator's API answers it. */
export function renderAllocationEntry({ entry, skuAlias }: OperatorAllocationResult) {
  return {
    object: 'allocation_entry' as const,
    id: entry.id,
    kind: entry.kind as 'issuance' | 'retirement',
    pool: (entry.toPoolId ?? entry.fromPoolId)!,
    instance_sku: renderInstanceSkuSummary(entry.instanceSkuId, skuAlias),
    allocation_schedule: toRectangles(entry.delta),
    created_at: entry.createdAt,
  };
}
