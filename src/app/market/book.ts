// The book, written: an order is matched at once against the resting orders of the other side
// (domain/market/matching.ts); each trade is a contract that moves allocation from the seller's
// pool to the buyer's and money the other way, in the same transaction. What does not fill rests
// on the book if the order allows standing, and is cancelled otherwise. A buy holds its limit
// price times its node-hours out of the account's cash while it may still fill. Orders and
// procurements both place through here. The rules are the domain's (domain/market/book.ts: the
// hold, the rounds and all or nothing, the unheld sell; settlement.ts: each trade); this file
// loads what they need under the book's locks, calls them and writes what they decide.

import { assert } from '../../domain/kernel/assert.js';
import { type Failure, isFailure } from '../../domain/kernel/failures.js';
import { beginSearch, type BookOrder, cancelUnheldSell, checkDelivery, continueSearch, firstRound, sellStillCovered, holdEntry, isExpired, likelyCounterparties, openOrder, type OrderCover, orderDemand, type Owed, poolRefusal, type SearchingOrder, tradesToDeliver } from '../../domain/market/book.js';
import { type Trade } from '../../domain/market/matching.js';
import { isResting, nextStatus, type OrderStatus } from '../../domain/market/order-status.js';
import { type Closing, closeOrder as close, type SettledContract, settle } from '../../domain/market/settlement.js';
import { emptySchedule, totalNodeSeconds } from '../../domain/kernel/schedule.js';
import type { BalanceRecord, InstanceSkuRecord, PoolView } from '../../store/allocation.js';
import type { Ahead } from '../../store/kernel.js';
import type { OrderRecord } from '../../store/market.js';
import { TransientConflict, type Tx } from '../../store/store.js';
import { moveAllocation } from '../allocation/ledger.js';
import { lockPoolsForAdding } from '../allocation/pools.js';
import { type AppContext, newId } from '../kernel/context.js';
import { recordEvent } from '../kernel/events.js';
import { ledgerKeys, moveMoney, moveMoneyAll, recordTransactions } from './money.js';


/** What to place: everything a new order needs, however it was asked for. */
export interface OrderSpec
  extends Pick<OrderRecord, 'accountId' | 'side' | 'startAt' | 'endAt' | 'nodeCount' | 'limitMicros' | 'allowStanding' | 'allowPartial' | 'procurementId' | 'createdBy'> {
  readonly pool: PoolView;
  readonly sku: InstanceSkuRecord;
  /** The book's first round for the order, read before the book was locked (`readFirstRoundAhead`),
   * when the caller sent it: what the order will likely trade with is locked with the book. */
  readonly firstRoundUnlocked?: Ahead<readonly BookOrder[]> | null;
}

/**
 * Sends the read of the book's first round for an order (on the SKU of `instanceSkuId`), to be
 * given to `placeOrder` as `firstRoundUnlocked`: sent with what the order reads before the book
 * is locked, it costs no round trip of its own, and lets placing lock the balances and money its
 * likely trades move in the round trip that locks the book, rather than in one of their own
 * while the book is held. Held by one order at a time, the book is the market's bottleneck: on
 * PostgreSQL, every round trip it is held for is one that every other order on the SKU waits.
 * Null where locks cost no round trip (SQLite).
 */
export function readFirstRoundAhead(tx: Tx, order: Pick<OrderRecord, 'instanceSkuId' | 'side' | 'limitMicros' | 'startAt' | 'endAt'>, now: number): Promise<Ahead<BookOrder[]> | null> {
  const round = firstRound(order, now);
  return tx.orders.restingUnlockedAhead(round.query, round.size, round.offset);
}

/**
 * Places an order in the caller's transaction: checks what the account can pay (a buy) or what
 * its pool holds (a sell), matches it, and leaves the remainder resting or cancelled. The
 * contracts its trades made are added to `made`, when given, in the order they were made.
 */
export async function placeOrder(context: AppContext, tx: Tx, spec: OrderSpec, now: number, made?: SettledContract[]): Promise<OrderRecord | Failure> {
  const refusal = poolRefusal(spec.side, spec.pool);
  if (refusal !== null) return refusal;
  // The order's pool, shared, so that a pool being deleted gets no order resting in it; before the
  // book, so that the book is held for one statement fewer. A shared pool lock may come before the
  // book (the lock order in docs/architecture.md): its only rival, a deletion, waits on nothing.
  await lockPoolsForAdding(tx, [spec.pool.id]);
  const demand = orderDemand(spec, spec.limitMicros, now);
  if (isFailure(demand)) return demand;
  // Read as the book was before its lock: only a guess, answered before the lock is sent.
  const likely = spec.firstRoundUnlocked == null ? [] : likelyCounterparties(searchingOrder(spec, demand.wanted), await spec.firstRoundUnlocked(), now);
  await tx.orders.lockBook(spec.sku.id);
  // The locks of the trades the order will likely make (what covers it among them), or else what
  // covers it, and the book's first round are sent in one round trip: the round is the other
  // side's orders, which opening and writing this one does not change.
  const round = firstRound({ ...spec, instanceSkuId: spec.sku.id }, now);
  const likelyLocked = likely.length === 0 ? null : await sendTradeLocks(tx, tradeLocks({ ...spec, poolId: spec.pool.id, instanceSkuId: spec.sku.id }, likely), likely.length === 1);
  const cover = likelyLocked === null ? await lockCover(tx, spec) : null;
  const firstRead = await tx.orders.restingAhead(round.query, round.size, round.offset);
  // Known locked from here on (each repository remembers what it locked), so that the fill locks
  // them again only if it trades with others.
  const likelyOccupied = likelyLocked === null ? null : await likelyLocked();
  const opening = openOrder(demand, cover !== null ? await cover() : coverAmong(spec, likelyOccupied!), now);
  if (isFailure(opening)) return opening;

  const order: OrderRecord = {
    seq: 0,
    id: newId(context, 'order'),
    accountId: spec.accountId,
    workspaceId: spec.pool.workspaceId,
    poolId: spec.pool.id,
    side: spec.side,
    instanceSkuId: spec.sku.id,
    startAt: spec.startAt,
    endAt: spec.endAt,
    nodeCount: spec.nodeCount,
    limitMicros: spec.limitMicros,
    allowStanding: spec.allowStanding,
    allowPartial: spec.allowPartial,
    ...opening,
    procurementId: spec.procurementId,
    createdBy: spec.createdBy,
    createdAt: now,
    updatedAt: now,
    filledAt: null,
    cancelledAt: null,
    rejectedReason: null,
  };
  await tx.orders.insert(order);
  const hold = holdEntry(order);
  if (hold !== null) await moveMoney(context, tx, hold, now);

  const fills = await matchOrder(context, tx, order.id, now, firstRead, made, likelyOccupied);
  const placed = (await tx.orders.findByIdForEngine(order.id))!;
  const status = nextStatus(placed.status, { kind: 'matched', filled: placed.filled, remaining: placed.remaining, resting: spec.allowStanding, now });
  assert(status !== null, () => `order ${placed.id}: placed as ${placed.status}, it cannot be matched`);
  recordEvent(context, tx, { kind: 'order_matched', orderId: order.id, instanceSkuId: spec.sku.id, side: spec.side, status, fills, at: now });
  if (isResting(status)) {
    await tx.orders.update(placed.id, { status, updatedAt: now });
  } else {
    await closeOrder(context, tx, placed, status, now);
  }
  return (await tx.orders.findByIdForEngine(order.id))!;
}

/** The order as the book's search sees it before it is opened (`likelyCounterparties`). */
function searchingOrder(spec: OrderSpec, wanted: OrderRecord['remaining']): SearchingOrder {
  return { id: '', seq: 0, accountId: spec.accountId, poolId: spec.pool.id, instanceSkuId: spec.sku.id, side: spec.side, limitMicros: spec.limitMicros, remaining: wanted, allowPartial: spec.allowPartial, startAt: spec.startAt, endAt: spec.endAt };
}

/** Locks what covers an order, sent ahead (`Ahead`): a buy's cash (and what it holds), or a sell's pool balance of the SKU. */
async function lockCover(tx: Tx, spec: OrderSpec): Promise<Ahead<OrderCover>> {
  if (spec.side === 'buy') {
    const cash = ledgerKeys.cash(spec.accountId);
    const funds = await tx.money.lockAhead([cash, ledgerKeys.held(spec.accountId)]);
    return async () => ({ side: 'buy', cashMicros: (await funds()).get(cash)! });
  }
  // Read, not locked: a fill locks the sell's balance with the buyers' in key order, and checks
  // it again then (`lockTrades`). Locked here, the buyers' were locked after it, out of order,
  // and a transfer between a buyer's pool and it deadlocked with the fill (issue 15).
  const key = { poolId: spec.pool.id, instanceSkuId: spec.sku.id };
  const balance = await tx.allocation.balanceOfAhead(key.poolId, key.instanceSkuId);
  return async () => ({ side: 'sell', ...key, balance: (await balance())?.schedule ?? emptySchedule });
}

/** What covers an order, among the locks of its likely trades (`sendTradeLocks`), which hold the
 * buyer's cash and the seller's balance of the SKU: as `lockCover` would read it. */
function coverAmong(spec: OrderSpec, locked: TradeLocksHeld): OrderCover {
  if (spec.side === 'buy') return { side: 'buy', cashMicros: locked.money.get(ledgerKeys.cash(spec.accountId))! };
  const balance = locked.balances.find((held) => held.poolId === spec.pool.id);
  return { side: 'sell', poolId: spec.pool.id, instanceSkuId: spec.sku.id, balance: balance?.schedule ?? emptySchedule };
}

/**
 * Finds the trades an incoming order makes against the book, reading it best first, in the
 * rounds the domain asks for; the first round may have been sent already (`firstRead`).
 */
async function findTrades(tx: Tx, order: OrderRecord, now: number, firstRead: Ahead<OrderRecord[]> | null): Promise<readonly Trade[]> {
  // Most orders fill from the first few levels: a few are read first, more only when they do not.
  let search = beginSearch(order, now);
  let read = firstRead;
  while (!search.done) {
    const rows = read !== null ? await read() : await tx.orders.resting(search.query, search.size, search.offset);
    read = null;
    search = continueSearch(search, rows);
  }
  return search.trades;
}

/**
 * Matches an order that was just placed, returning how many trades it made. A resting sell whose
 * pool no longer holds what it offered is cancelled when it is reached, and matching starts over
 * without it.
 */
async function matchOrder(context: AppContext, tx: Tx, orderId: string, now: number, firstRead: Ahead<OrderRecord[]>, made: SettledContract[] | undefined, likely: LikelyOccupied | null): Promise<number> {
  let read: Ahead<OrderRecord[]> | null = firstRead;
  for (;;) {
    const order = (await tx.orders.findByIdForEngine(orderId))!;
    const trades = await findTrades(tx, order, now, read);
    read = null;
    if (trades.length === 0) return 0;
    const { unheld, occupied } = await lockTrades(tx, order, trades, now, likely);
    if (unheld !== null) {
      await writeClosing(context, tx, unheld, cancelUnheldSell(unheld, now), now);
      continue;
    }
    for (const trade of trades) {
      const contract = await executeTrade(context, tx, order.id, trade, now, occupied);
      made?.push(contract);
    }
    return trades.length;
  }
}

/** What trades with `counterparties` lock, in the lock order: the pools allocation moves between
 * (shared, against their deletion), their balances of the SKU, and the money accounts of both
 * sides and the SKU's fees. */
interface TradeLocks {
  readonly instanceSkuId: string;
  readonly balances: ReadonlyMap<string, { readonly poolId: string; readonly instanceSkuId: string }>;
  readonly moneyKeys: readonly string[];
}

function tradeLocks(order: Pick<OrderRecord, 'accountId' | 'poolId' | 'instanceSkuId'>, counterparties: readonly Pick<BookOrder, 'accountId' | 'poolId'>[]): TradeLocks {
  const balances = new Map([[order.poolId, { poolId: order.poolId, instanceSkuId: order.instanceSkuId }]]);
  const moneyKeys = [ledgerKeys.cash(order.accountId), ledgerKeys.held(order.accountId), ledgerKeys.fees(order.instanceSkuId)];
  for (const resting of counterparties) {
    balances.set(resting.poolId, { poolId: resting.poolId, instanceSkuId: order.instanceSkuId });
    moneyKeys.push(ledgerKeys.cash(resting.accountId), ledgerKeys.held(resting.accountId));
  }
  return { instanceSkuId: order.instanceSkuId, balances, moneyKeys };
}

/** Which of a trade's pools have instances to follow its move, read under the locks of `poolsKey`'s pools. */
interface LikelyOccupied {
  readonly poolsKey: string;
  readonly occupied: ReadonlySet<string> | null;
}

/** What `sendTradeLocks` locked, as locked: the balances and money balances, and which pools have instances to follow a trade, if asked. */
interface TradeLocksHeld extends LikelyOccupied {
  readonly balances: readonly BalanceRecord[];
  readonly money: ReadonlyMap<string, number>;
}

const poolsKeyOf = (locks: TradeLocks) => [...locks.balances.keys()].sort().join(' ');

/** The locks sent, each answered later (`Ahead`); with `occupiedToo` (one trade), which of their
 * pools have instances to follow the move, read with them. Each repository remembers what it
 * locked once answered (`held`), and sends no lock of it again. */
async function sendTradeLocks(tx: Tx, locks: TradeLocks, occupiedToo: boolean) {
  const poolIds = [...locks.balances.keys()];
  const pools = await tx.pools.lockLiveAhead(poolIds);
  const balances = await tx.allocation.lockBalancesAhead([...locks.balances.values()]);
  const following = occupiedToo ? await tx.allocation.occupiedAhead(locks.instanceSkuId, poolIds) : null;
  const money = await tx.money.lockAhead(locks.moneyKeys);
  return async (): Promise<TradeLocksHeld> => {
    // A pool found deleted is the fill's to refuse (`moveAllocation`).
    await pools();
    const locked = await balances();
    const occupied = following === null ? null : await following();
    return { poolsKey: poolsKeyOf(locks), occupied, balances: locked, money: await money() };
  };
}

/**
 * Locks what the trades move (`tradeLocks`), in one round trip and in the lock order, unless
 * placing locked it already with the trades it guessed (`likely`). Each fill then finds them
 * locked. Answers the first resting sell among the trades whose pool cannot deliver its share
 * (`unheld`), or null: the balances are locked first so that a transfer out of a sell's pool
 * cannot slip in between this check and the fill. For one trade, which of its pools have
 * instances to follow the move is read with them (`occupied`), so that the move's write is not
 * waited for; with more, each move's write answers it, since following one move may start
 * instances another must see.
 */
async function lockTrades(tx: Tx, order: OrderRecord, trades: readonly Trade[], now: number, likely: LikelyOccupied | null): Promise<{ readonly unheld: OrderRecord | null; readonly occupied: ReadonlySet<string> | undefined }> {
  const counterparties: OrderRecord[] = [];
  for (const trade of trades) counterparties.push((await tx.orders.findByIdForEngine(trade.restingId))!);
  const locks = tradeLocks(order, counterparties);
  // Read with the guessed locks, under the same pools' locks: still true for the one trade.
  const occupiedGuessed = trades.length === 1 && likely !== null && likely.poolsKey === poolsKeyOf(locks) ? likely.occupied : null;
  const locked = await (await sendTradeLocks(tx, locks, trades.length === 1 && occupiedGuessed === null))();
  const balances = new Map(locked.balances.map((balance) => [balance.poolId, balance.schedule]));
  const occupied = occupiedGuessed ?? locked.occupied ?? undefined;
  if (order.side === 'sell' && !sellStillCovered(order.remaining, balances.get(order.poolId)!, now)) {
    throw new TransientConflict(`Pool ${order.poolId} changed between order ${order.id}'s cover and its fill`);
  }
  let owed: Owed = new Map();
  for (const trade of tradesToDeliver(order, trades)) {
    const sell = (await tx.orders.findByIdForEngine(trade.restingId))!;
    const delivery = checkDelivery(owed, sell.poolId, trade.schedule, balances.get(sell.poolId)!, now);
    if (!delivery.holds) return { unheld: sell, occupied };
    owed = delivery.owed;
  }
  return { unheld: null, occupied };
}

/** One trade, settled by the domain (`settle`) and written: the fill, the money, the contract, the two orders. */
async function executeTrade(context: AppContext, tx: Tx, incomingId: string, trade: Trade, now: number, occupied: ReadonlySet<string> | undefined): Promise<SettledContract> {
  const incoming = (await tx.orders.findByIdForEngine(incomingId))!;
  const resting = (await tx.orders.findByIdForEngine(trade.restingId))!;
  const [buy, sell] = incoming.side === 'buy' ? [incoming, resting] : [resting, incoming];
  const settlement = settle(buy, sell, { ...trade, contractId: newId(context, 'contract') }, context.feePolicy, now);

  const moved = await moveAllocation(context, tx, settlement.allocationMove, now, occupied);
  if ('shortfall' in moved) throw new Error(`contract ${settlement.contract.id}: the seller's pool was checked but cannot deliver`);

  // Locked already (`lockTrades`): the seller's held funds too, so that its transaction's balance
  // is known without a read. The fees are the SKU's own ledger account: trades of different SKUs
  // share no row.
  await tx.money.lock([ledgerKeys.cash(buy.accountId), ledgerKeys.held(buy.accountId), ledgerKeys.cash(sell.accountId), ledgerKeys.held(sell.accountId), ledgerKeys.fees(buy.instanceSkuId)]);
  await moveMoneyAll(context, tx, settlement.moneyEntries, now);
  await recordTransactions(context, tx, settlement.transactions, now);
  await tx.contracts.insert(settlement.contract);
  const { contract } = settlement;
  recordEvent(context, tx, { kind: 'fill', contractId: contract.id, instanceSkuId: contract.instanceSkuId, buyOrderId: contract.buyOrderId, sellOrderId: contract.sellOrderId, nodeSeconds: totalNodeSeconds(contract.schedule), priceMicrosPerNodeHour: contract.priceMicros, totalMicros: contract.totalMicros, at: now });
  for (const { orderId, ...changes } of settlement.orderChanges) await tx.orders.update(orderId, changes);
  return contract;
}

/** Ends an order: records its final status and returns what a buy still holds to its cash. */
export async function closeOrder(context: AppContext, tx: Tx, order: OrderRecord, status: OrderStatus, at: number, reason?: string): Promise<void> {
  await writeClosing(context, tx, order, close(order, status, at, reason), at);
}

/** Writes how an order ends (`close`, `cancelUnheldSell`): what it still held back to its cash, then its final status. */
async function writeClosing(context: AppContext, tx: Tx, order: OrderRecord, closing: Closing, at: number): Promise<void> {
  if (closing.release !== null) {
    await tx.money.lock([ledgerKeys.cash(order.accountId), ledgerKeys.held(order.accountId)]);
    await moveMoney(context, tx, closing.release, at);
  }
  await tx.orders.update(order.id, closing.change);
}

/** Cancels a resting order whose end has come (the engine calls this at its end). */
export async function expireOrder(context: AppContext, tx: Tx, orderId: string, at: number, instanceSkuId: string): Promise<void> {
  await tx.orders.lockBook(instanceSkuId);
  const order = await tx.orders.findByIdForEngine(orderId);
  if (order === undefined || !isExpired(order, at)) return;
  await closeOrder(context, tx, order, 'cancelled', at);
}
