// The market's operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). The request's schema is checked before any of these, at the edge.

import { operation } from '../kernel/operations.js';

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
