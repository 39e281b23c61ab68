// Allocation's operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). The request's schema is checked before any of these, at the edge.
// A pool transfer the source cannot afford is no failure: it is recorded as rejected (202).

import { type FailureStep, operation } from '../kernel/operations.js';

const page: FailureStep = ['invalid_request', 'the cursor is not one of this list\'s, the limit is out of range, or both cursors are given'];

/** POST /preview/v2/pool_transfers */
export const createPoolTransferOperation = operation('create_pool_transfer', [
  ['idempotency_key_reused', 'the Idempotency-Key was used with another request'],
  ['invalid_request', 'allocation_schedule_delta is malformed or starts before the current minute'],
  ['pool_not_found', 'from_pool is not one of the account\'s'],
  ['pool_not_found', 'to_pool is not one of the account\'s'],
  ['invalid_request', 'from_pool and to_pool are the same pool'],
  ['instance_sku_not_found', 'the instance SKU does not exist'],
  ['pool_read_only', 'from_pool is read-only'],
  ['pool_read_only', 'to_pool is read-only'],
  ['pool_cannot_receive', 'to_pool is an originating pool'],
]);

/** POST /admin/v1/allocations */
export const issueAllocationOperation = operation('issue_allocation', [
  ['invalid_request', 'allocation_schedule is malformed or starts before the current minute'],
  ['pool_not_found', 'no pool has that id or path'],
  ['instance_sku_not_found', 'the instance SKU does not exist'],
]);

/** POST /admin/v1/retirements */
export const retireAllocationOperation = operation('retire_allocation', [
  ...issueAllocationOperation.failures,
  ['insufficient_allocation', 'the pool does not hold what is retired at some minute from now'],
]);

/** POST /preview/v2/pools */
export const createPoolOperation = operation('create_pool', [
  ['workspace_not_found', 'the workspace is not one of the account\'s'],
  ['name_taken', 'a live pool of the workspace has the name'],
]);

/** PATCH /preview/v2/pools/{id} */
export const updatePoolOperation = operation('update_pool', [
  ['pool_not_found', 'the pool is not one of the account\'s'],
  ['pool_read_only', 'the pool is read-only'],
  ['name_taken', 'another live pool of the workspace has the new name'],
]);

/** DELETE /preview/v2/pools/{id} */
export const deletePoolOperation = operation('delete_pool', [
  ['pool_not_found', 'the pool is not one of the account\'s (or was deleted meanwhile)'],
  ['pool_read_only', 'the pool is read-only'],
  ['pool_has_dependencies', 'it holds allocation from now on, runs instances, is targeted by deployments or procurements, or has resting orders'],
]);

/** POST /admin/v1/pools */
export const createPoolForOperatorOperation = operation('operator_create_pool', [
  ['account_not_found', 'no account has that id'],
  ['workspace_not_found', 'the workspace is not one of the account\'s'],
  ['name_taken', 'a live pool of the workspace has the name'],
]);

/** GET /preview/v2/pools/{id} */
export const getPoolOperation = operation('fetch_pool', [['pool_not_found', 'the pool is not one of the account\'s']]);

/** GET /preview/v2/pools */
export const listPoolsOperation = operation('list_pools', [
  page,
  ['invalid_request', 'a tag filter is not key=value, or names an invalid key'],
  ['workspace_not_found', 'the workspace filter is not one of the account\'s'],
]);

/** GET /preview/v2/pool_transfers/{id} */
export const getPoolTransferOperation = operation('fetch_pool_transfer', [['pool_transfer_not_found', 'no pool transfer of the account has that id']]);

/** GET /preview/v2/pool_transfers */
export const listPoolTransfersOperation = operation('list_pool_transfers', [page]);

/** POST /admin/v1/instance_skus */
export const registerInstanceSkuOperation = operation('register_instance_sku', [['name_taken', 'an instance SKU has the alias']]);

/** GET /preview/v2/instance_skus */
export const listInstanceSkusOperation = operation('list_instance_skus', [page]);

/** GET /preview/v2/instance_skus/{id} */
export const getInstanceSkuOperation = operation('get_instance_sku', [['instance_sku_not_found', 'the instance SKU does not exist']]);

/** GET /preview/v2/instance_sku_property_catalog */
export const listPropertyCatalogOperation = operation('list_instance_sku_property_catalog', [page]);
