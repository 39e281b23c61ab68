// The v0 API's operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). The request's schema is checked before any of these, at the edge.
// v0 is a view over v2, so a step may be a failure of the v2 work it does (its pool, its order).

import { type FailureStep, operation } from '../kernel/operations.js';

const instanceType: FailureStep = ['invalid_request', 'instance_type is not an instance type allot knows'];
const offsetPage: readonly FailureStep[] = [
  ['invalid_request', 'limit is out of range'],
  ['invalid_request', 'offset is negative or not whole'],
];
const orderFound: FailureStep = ['order_not_found', 'no order of the account\'s own (not a procurement\'s) has that id'];

/** POST /v0/orders */
export const createV0OrderOperation = operation('create_v0_order', [
  instanceType,
  ['invalid_request', 'a sell names no contract to sell from'],
  ['invalid_request', 'a buy names no instance type, zone or contract'],
  ['idempotency_key_reused', 'the Idempotency-Key was used with another request'],
  ['invalid_request', 'quantity, start_at, end_at, price or flags break their rules (times are checked after the key: a replay must not depend on the time)'],
  ['contract_not_found', 'the contract is not one the account bought'],
  ['pool_not_found', 'a sell\'s contract\'s pool is gone'],
  ['invalid_request', 'no instance SKU meets the instance type or zone'],
  ['name_taken', 'the v0 pool was made meanwhile'],
  ['invalid_request', 'the cost at the price is beyond exact arithmetic'],
  ['insufficient_balance', 'a buy holds more than the account\'s available balance'],
  ['insufficient_allocation', 'a sell offers more than the contract\'s pool holds at some minute from now'],
]);

/** GET /v0/orders/{id} and /v0/orders/{id}/clusters */
export const getV0OrderOperation = operation('get_v0_order', [orderFound]);

/** GET /v0/orders */
export const listV0OrdersOperation = operation('list_v0_orders', [
  ...offsetPage,
  ['invalid_request', 'more than one of only_open, only_filled and only_cancelled'],
  instanceType,
]);

/** DELETE /v0/orders/{id} */
export const cancelV0OrderOperation = operation('cancel_v0_order', [
  orderFound,
  ['invalid_request', 'the order is filled, cancelled or rejected already'],
]);

const procurementTerms: readonly FailureStep[] = [
  ['invalid_request', 'desired_quantity is out of range'],
  ['invalid_request', 'buy_limit_price_per_gpu_hour is out of range'],
  ['invalid_request', 'sell_limit_price_per_gpu_hour is out of range'],
  ['invalid_request', 'horizon is out of range'],
];

/** POST /v0/procurements */
export const createV0ProcurementOperation = operation('create_v0_procurement', [
  instanceType,
  procurementTerms[0]!,
  ['invalid_request', 'buy_limit_price_per_gpu_hour is missing'],
  ...procurementTerms.slice(1),
  ['invalid_request', 'colocation_strategy is of an unknown type, or pinned without a cluster_name'],
  ['idempotency_key_reused', 'the Idempotency-Key was used with another request'],
  ['invalid_request', 'no instance SKU is of the type (in the pinned zone)'],
  ['name_taken', 'the name drawn for the procurement\'s pool or procurement is taken'],
]);

const procurementFound: FailureStep = ['procurement_not_found', 'no procurement of the account has that id'];

/** GET /v0/procurements/{id} */
export const getV0ProcurementOperation = operation('get_v0_procurement', [procurementFound]);

/** GET /v0/procurements */
export const listV0ProcurementsOperation = operation('list_v0_procurements', offsetPage);

/** PATCH /v0/procurements/{id} */
export const patchV0ProcurementOperation = operation('update_v0_procurement', [
  instanceType,
  ...procurementTerms,
  procurementFound,
  ['automation_conflict', 'an autoreserved node\'s procurement is asked to change more than its price'],
  ['invalid_request', 'no instance SKU is of the new type'],
  ['automation_conflict', 'the pool and the new SKU already have a procurement'],
]);

/** GET /v0/contracts */
export const listContractsOperation = operation('list_contracts', [
  ['invalid_request', 'state is not All, Upcoming, Active or Expired'],
  instanceType,
  ['invalid_request', 'the cursor is not one of this list\'s, the limit is out of range, or both cursors are given'],
]);

/** GET /v0/contracts/{id} */
export const getContractOperation = operation('get_contract', [['contract_not_found', 'no contract the account bought has that id']]);

/** GET /v0/quote */
export const getV0QuoteOperation = operation('handle_quote', [
  ['invalid_request', 'side, quantity, the start dates or the durations break their rules'],
  instanceType,
  ['contract_not_found', 'colocate_with is not a contract the account bought'],
]);

/** GET /v0/transactions */
export const listV0TransactionsOperation = operation('list_v0_transactions', [
  ['invalid_request', 'limit is out of range'],
  ['invalid_request', 'a cursor is not one of this list\'s, or both are given'],
]);

/** POST /v0/vms/replace */
export const replaceVmOperation = operation('post_vms_replace', [
  ['instance_not_found', 'vm_id is not a VM id'],
  ['idempotency_key_reused', 'the Idempotency-Key was used with another request'],
  ['instance_not_found', 'no VM of the account has that id (looked up after the key: a replay answers as the first time, even once the VM is deleted)'],
  ['instance_not_replaceable', 'the VM is no longer live'],
  ['image_not_found', 'the VM\'s image was deleted'],
  ['image_not_ready', 'the VM\'s image was revoked'],
  ['name_taken', 'no free name could be drawn for the new VM'],
]);
