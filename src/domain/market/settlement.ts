// Settling a trade: what one match between a buy and a sell changes, decided in one synchronous
// function so that the use case only loads the two orders, calls `settle` and writes the result.
// A trade is a contract; it moves allocation from the seller's pool to the buyer's (a `fill`
// entry of the allocation ledger) and money the other way (entries of the money ledger, all out
// of the buyer's held funds: the seller's proceeds, the operator's fee, the buyer's price
// improvement, and — when the trade fills a resting buy — what the buy still holds). Each order
// fills by the trade's schedule; a resting order that is done closes.

import { assert } from '../kernel/assert.js';
import { exactCostOf, type FeePolicy, feeOf } from '../kernel/money.js';
import { add, firstBelow, isEmpty, type Schedule, subtract, totalNodeSeconds } from '../kernel/schedule.js';
import { ledgerKeys } from './ledger-keys.js';
import type { Side, Trade } from './matching.js';
import { canTransition, isResting, type OrderStatus, requireNextStatus } from './order-status.js';

/** What settling needs of an order. */
export interface SettlingOrder {
  readonly id: string;
  readonly accountId: string;
  readonly poolId: string;
  readonly side: Side;
  readonly instanceSkuId: string;
  readonly limitMicros: number;
  readonly remaining: Schedule;
  readonly filled: Schedule;
  readonly holdMicros: number;
  readonly status: OrderStatus;
}

/** The trade to settle, with the id its contract takes (ids, like the time, come in as arguments). */
export interface TradeToSettle extends Trade {
  readonly contractId: string;
}

export interface SettledContract {
  readonly id: string;
  readonly instanceSkuId: string;
  readonly buyOrderId: string;
  readonly sellOrderId: string;
  readonly schedule: Schedule;
  readonly startAt: number;
  readonly endAt: number;
  readonly priceMicros: number;
  readonly totalMicros: number;
  readonly feeMicros: number;
  readonly filledAt: number;
}

/** An entry of the allocation ledger: node-seconds from the seller's pool to the buyer's. */
export interface FillMove {
  readonly kind: 'fill';
  readonly instanceSkuId: string;
  readonly fromPoolId: string;
  readonly toPoolId: string;
  readonly delta: Schedule;
  readonly referenceId: string;
}

export type SettlementReason = 'fill_proceeds' | 'fill_fee' | 'price_improvement' | 'order_release';

/** An entry of the money ledger: a non-negative amount from one key to another. */
export interface MoneyEntry {
  readonly from: string;
  readonly to: string;
  readonly amountMicros: number;
  readonly reason: SettlementReason;
  readonly orderId: string;
  readonly contractId: string | null;
}

/** What an account is shown of the trade (`/v1/transactions`). */
export interface TradeTransaction {
  readonly accountId: string;
  readonly type: 'buy_order' | 'sell_order';
  readonly amountMicros: number;
  readonly orderId: string;
}

export interface OrderChange {
  readonly orderId: string;
  readonly remaining: Schedule;
  readonly filled: Schedule;
  readonly holdMicros: number;
  readonly filledAt: number;
  readonly updatedAt: number;
  /** Set when the trade moves the order to another status (a resting order filled or done). */
  readonly status?: OrderStatus;
  readonly cancelledAt?: number;
}

export interface Settlement {
  readonly contract: SettledContract;
  readonly allocationMove: FillMove;
  /** In the order they are written. */
  readonly moneyEntries: readonly MoneyEntry[];
  readonly transactions: readonly TradeTransaction[];
  /** The buy's, then the sell's. */
  readonly orderChanges: readonly [OrderChange, OrderChange];
}

function covers(remaining: Schedule, schedule: Schedule): boolean {
  return firstBelow(subtract(remaining, schedule), 0, Number.MIN_SAFE_INTEGER) === null;
}

/**
 * Settles `trade` between `buy` and `sell` at `now`. One of the two is the incoming order (still
 * `pending`: its status is decided when its matching ends) and the other the resting order the
 * trade was made against (`trade.restingId`), which moves to `partially_filled` or `filled`.
 * Throws on a trade the matcher could not have made: those are bugs, not failures.
 */
export function settle(buy: SettlingOrder, sell: SettlingOrder, trade: TradeToSettle, feePolicy: FeePolicy, now: number): Settlement {
  assert(buy.side === 'buy', () => `${buy.id} is not a buy`);
  assert(sell.side === 'sell', () => `${sell.id} is not a sell`);
  assert(buy.instanceSkuId === sell.instanceSkuId, () => `${buy.id} and ${sell.id} trade different SKUs`);
  assert(trade.restingId === buy.id || trade.restingId === sell.id, () => `the trade rests on ${trade.restingId}, neither ${buy.id} nor ${sell.id}`);
  assert(!isEmpty(trade.schedule), () => `the trade of ${trade.contractId} moves nothing`);
  assert(trade.priceMicrosPerHour <= buy.limitMicros, () => `price ${trade.priceMicrosPerHour} above the buy's limit ${buy.limitMicros}`);
  assert(trade.priceMicrosPerHour >= sell.limitMicros, () => `price ${trade.priceMicrosPerHour} below the sell's limit ${sell.limitMicros}`);
  assert(covers(buy.remaining, trade.schedule), () => `the trade exceeds what ${buy.id} still wants`);
  assert(covers(sell.remaining, trade.schedule), () => `the trade exceeds what ${sell.id} still offers`);

  const schedule = trade.schedule;
  const nodeSeconds = totalNodeSeconds(schedule);
  const totalMicros = exactCostOf(trade.priceMicrosPerHour, nodeSeconds);
  const releasedMicros = exactCostOf(buy.limitMicros, nodeSeconds);
  const feeMicros = feeOf(feePolicy, totalMicros, nodeSeconds);
  assert(buy.holdMicros >= releasedMicros, () => `${buy.id} holds ${buy.holdMicros}, less than the ${releasedMicros} the trade takes`);
  assert(feeMicros >= 0, () => `fee ${feeMicros} below zero`);
  assert(feeMicros <= totalMicros, () => `fee ${feeMicros} above the trade's ${totalMicros}`);

  const contractId = trade.contractId;
  const held = ledgerKeys.held(buy.accountId);
  const moneyEntries: MoneyEntry[] = [
    { from: held, to: ledgerKeys.cash(sell.accountId), amountMicros: totalMicros - feeMicros, reason: 'fill_proceeds', orderId: sell.id, contractId },
    { from: held, to: ledgerKeys.fees(buy.instanceSkuId), amountMicros: feeMicros, reason: 'fill_fee', orderId: sell.id, contractId },
    { from: held, to: ledgerKeys.cash(buy.accountId), amountMicros: releasedMicros - totalMicros, reason: 'price_improvement', orderId: buy.id, contractId },
  ];

  const changeOf = (order: SettlingOrder): OrderChange => {
    const remaining = subtract(order.remaining, schedule);
    const filled = add(order.filled, schedule);
    const holdMicros = order.side === 'buy' ? order.holdMicros - releasedMicros : order.holdMicros;
    const base = { orderId: order.id, remaining, filled, holdMicros, filledAt: now, updatedAt: now };
    if (order.id !== trade.restingId) return base;
    assert(isResting(order.status), () => `${order.id} traded while ${order.status}`);
    const status = requireNextStatus(order.id, order.status, { kind: 'matched', filled, remaining, resting: true, now });
    if (isResting(status)) return { ...base, status };
    // Done: what it still holds goes back to its account's cash.
    const closing = closeOrder({ ...order, holdMicros }, status, now);
    if (closing.release !== null) moneyEntries.push(closing.release);
    return { ...base, ...closing.change };
  };
  const orderChanges: [OrderChange, OrderChange] = [changeOf(buy), changeOf(sell)];
  for (const entry of moneyEntries) assert(entry.amountMicros >= 0, () => `${entry.reason} of ${entry.amountMicros}`);

  return {
    contract: {
      id: contractId,
      instanceSkuId: buy.instanceSkuId,
      buyOrderId: buy.id,
      sellOrderId: sell.id,
      schedule,
      startAt: schedule.times[0]!,
      endAt: schedule.times[schedule.times.length - 1]!,
      priceMicros: trade.priceMicrosPerHour,
      totalMicros,
      feeMicros,
      filledAt: now,
    },
    allocationMove: { kind: 'fill', instanceSkuId: buy.instanceSkuId, fromPoolId: sell.poolId, toPoolId: buy.poolId, delta: schedule, referenceId: contractId },
    moneyEntries,
    transactions: [
      { accountId: buy.accountId, type: 'buy_order', amountMicros: -totalMicros, orderId: buy.id },
      { accountId: sell.accountId, type: 'sell_order', amountMicros: totalMicros - feeMicros, orderId: sell.id },
    ],
    orderChanges,
  };
}

/** How an order ends: its final status, and what it still holds going back to its account's cash. */
export interface Closing {
  readonly release: MoneyEntry | null;
  readonly change: { readonly status: OrderStatus; readonly holdMicros: 0; readonly updatedAt: number; readonly cancelledAt?: number; readonly rejectedReason?: string };
}

/** Ends an order in `status` at `at` (with the reason shown for it, if any). Throws when its status cannot move there. */
export function closeOrder(order: Pick<SettlingOrder, 'id' | 'accountId' | 'holdMicros' | 'status'>, status: OrderStatus, at: number, reason?: string): Closing {
  assert(canTransition(order.status, status), () => `${order.id} cannot move from ${order.status} to ${status}`);
  assert(!isResting(status), () => `${order.id} closes as ${status}, a resting status`);
  assert(order.holdMicros >= 0, () => `${order.id} holds ${order.holdMicros}`);
  const release: MoneyEntry | null =
    order.holdMicros > 0 ? { from: ledgerKeys.held(order.accountId), to: ledgerKeys.cash(order.accountId), amountMicros: order.holdMicros, reason: 'order_release', orderId: order.id, contractId: null } : null;
  return {
    release,
    change: { status, holdMicros: 0, updatedAt: at, ...(status === 'cancelled' ? { cancelledAt: at } : {}), ...(reason === undefined ? {} : { rejectedReason: reason }) },
  };
}
