// The market's operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). The request's schema is checked before any of these, at the edge.

import { type FailureStep, operation } from '../kernel/operations.js';

const page: FailureStep = ['invalid_request', 'the cursor is not one of this list\'s, the limit is out of range, or both cursors are given'];
const requirements: FailureStep = ['invalid_request', 'requirements name an unknown property, or are not key:value clauses'];
const range = (start: string, end: string): FailureStep => ['invalid_request', `${start} or ${end} is not a whole minute, or ${end} is not after ${start}`];

/** POST /preview/v2/orders */
export const createOrderOperation = operation('create_order', [
  ['invalid_request', 'limit_price_dollars_per_node_hour is not dollars with a decimal point'],
  ['idempotency_key_reused', 'the Idempotency-Key was used with another request'],
  ['invalid_request', 'allocation_schedule_delta is not one range, misaligned, reversed, before the current minute, or its node count out of range'],
  ['pool_not_found', 'the pool is not one of the account\'s'],
  ['instance_sku_not_found', 'the instance SKU does not exist'],
  ['pool_read_only', 'the pool is read-only'],
  ['pool_cannot_receive', 'a buy into an originating pool'],
  ['invalid_request', 'the cost at the limit price is beyond exact arithmetic'],
  ['insufficient_balance', 'a buy holds more than the account\'s available balance'],
  ['insufficient_allocation', 'a sell offers more than its pool holds at some minute from now'],
]);

/** DELETE /preview/v2/orders/{id} */
export const cancelOrderOperation = operation('cancel_order', [
  ['order_not_found', 'no order of the account has that id'],
  ['order_not_cancellable', 'the order no longer rests on the book (filled, cancelled or rejected)'],
]);

/** GET /preview/v2/orders/{id} */
export const getOrderOperation = operation('fetch_order', [['order_not_found', 'no order of the account has that id']]);

/** GET /preview/v2/orders */
export const listOrdersOperation = operation('list_orders', [
  page,
  ['workspace_not_found', 'the workspace filter is not one of the account\'s'],
  ['pool_not_found', 'the pool filter is not one of the account\'s'],
  ['procurement_not_found', 'the procurement filter is not one of the account\'s'],
]);

const priceSteps: readonly FailureStep[] = [
  ['invalid_request', 'min_sell_price_dollars_per_node_hour is not dollars with a decimal point'],
  ['invalid_request', 'max_buy_price_dollars_per_node_hour is not dollars with a decimal point'],
  ['invalid_request', 'managed_window_minutes is out of range'],
];

/** POST /preview/v2/procurements */
export const createProcurementOperation = operation('create_procurement', [
  ...priceSteps,
  ['pool_not_found', 'the pool is not one of the account\'s'],
  ['pool_cannot_receive', 'the pool is not a market pool'],
  ['instance_sku_not_found', 'the instance SKU does not exist'],
  ['automation_conflict', 'the pool and SKU already have a procurement'],
  ['name_taken', 'a procurement of the workspace has the name'],
]);

const procurementFound: FailureStep = ['procurement_not_found', 'no procurement of the account has that id, path or name'];
const ownProcurement: FailureStep = ['automation_conflict', 'the procurement is a spot deployment\'s: it changes through the deployment'];

/** GET /preview/v2/procurements/{id} */
export const getProcurementOperation = operation('get_procurement', [procurementFound]);

/** GET /preview/v2/procurements */
export const listProcurementsOperation = operation('list_procurements', [
  page,
  ['workspace_not_found', 'the workspace filter is not one of the account\'s'],
  ['pool_not_found', 'the pool filter is not one of the account\'s'],
]);

/** PATCH /preview/v2/procurements/{id} */
export const patchProcurementOperation = operation('patch_procurement', [
  procurementFound,
  ownProcurement,
  ['name_taken', 'another procurement of the workspace has the new name'],
  ['instance_sku_not_found', 'the new instance SKU does not exist'],
  ['automation_conflict', 'the pool and the new SKU already have a procurement'],
  ...priceSteps,
  ['name_taken', 'another procurement took the new name meanwhile'],
]);

/** DELETE /preview/v2/procurements/{id} */
export const deleteProcurementOperation = operation('delete_procurement', [procurementFound, ownProcurement]);

/** POST /preview/v2/order_preview */
export const previewOrderOperation = operation('get_order_preview', [
  requirements,
  ['invalid_request', 'duration_seconds is not a positive multiple of 60'],
  ['invalid_request', 'start_at is misaligned or before the current minute, or node_count is out of range'],
  ['pool_not_found', 'the pool is not one of the account\'s'],
]);

/** GET /preview/v2/orderbook/windows */
export const listWindowsOperation = operation('list_orderbook_windows', [
  requirements,
  range('range_start_at', 'range_end_at'),
  ['invalid_request', 'starting_after is not a cursor of this list'],
]);

/** GET /preview/v2/orderbook/depth and /quote */
export const getDepthOperation = operation('get_orderbook_depth', [requirements, range('start_at', 'end_at')]);

/** GET /preview/v2/orderbook/fills */
export const listFillsOperation = operation('list_orderbook_fills', [
  requirements,
  range('start_at', 'end_at'),
  ['invalid_request', 'since_at is further back than fills are shown'],
  ['invalid_request', 'starting_after is not a cursor of this list'],
]);

/** GET /preview/v2/instance_skus/availability */
export const listAvailabilityOperation = operation('list_instance_sku_availability', [page]);

/** GET /preview/v2/instance_skus/{id}/availability */
export const getAvailabilityOperation = operation('get_instance_sku_availability', [['instance_sku_not_found', 'the instance SKU does not exist']]);

/** POST /admin/v1/accounts/{id}/credits */
export const grantCreditOperation = operation('grant_credit', [
  ['invalid_request', 'amount_dollars is not dollars with at most six decimals'],
  ['invalid_request', 'amount_dollars is not positive'],
  ['account_not_found', 'no account has that id'],
]);

/** GET /v1/transactions */
export const listTransactionsOperation = operation('getTransactions', [page]);
