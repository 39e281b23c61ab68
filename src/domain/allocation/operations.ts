// Allocation's operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). The request's schema is checked before any of these, at the edge.
// A pool transfer the source cannot afford is no failure: it is recorded as rejected (202).

import { operation } from '../kernel/operations.js';

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
