// Orders (`/preview/v2/orders`): create, read, list and cancel. Placing and matching is the
// book's (book.ts).

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { parseId } from '../../domain/kernel/ids.js';
import { declared } from '../../domain/kernel/operations.js';
import { declaring } from '../kernel/declaring.js';
import { cancelOrderOperation, createOrderOperation, getOrderOperation, listOrdersOperation } from '../../domain/market/operations.js';
import { parseDollarsPerNodeHour } from '../../domain/kernel/money.js';
import { cancellationRefusal, type OrderStatus, parseOrderWindow } from '../../domain/market/orders.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { type RectangleInput, type Schedule } from '../../domain/kernel/schedule.js';
import type { OrderSide, OrderSort, OrderView } from '../../store/market.js';
import type { SettledContract } from '../../domain/market/settlement.js';
import type { Tx } from '../../store/store.js';
import { findInstanceSku } from '../allocation/instance-skus.js';
import { type AppContext } from '../kernel/context.js';
import { type Answerer, runIdempotent, runIdempotentAnswer, type StoredAnswer } from '../kernel/idempotency.js';
import { resolvePoolFilter, resolvePoolsOfMove } from '../allocation/pools.js';
import type { PoolView } from '../../store/allocation.js';
import { resolveProcurement } from './references.js';
import { closeOrder, placeOrder, readFirstRoundAhead } from './book.js';
import { catchUpProcurements, resumeProcurement } from './procurement-runs.js';

export interface CreateOrderInput {
  readonly pool: string;
  readonly side: OrderSide;
  readonly instance_sku: string;
  readonly allocation_schedule_delta: readonly RectangleInput[];
  readonly limit_price_dollars_per_node_hour: string;
  readonly allow_standing?: boolean | undefined;
  readonly allow_partial?: boolean | undefined;
}

/** The token an order is placed with, and what the order shows of it as its creator
 * (`OrderView.creator`): known from the request's authentication, so placing reads nothing for it. */
export interface OrderPlacer {
  readonly tokenId: string;
  readonly tokenName: string | null;
  readonly userId: string | null;
  readonly userEmail: string | null;
}

/**
 * Places an order, with the token of `placedBy` (null for the operator's seed and fixtures,
 * which no token places). With `answer` (the HTTP edge's), the answer is stored with an
 * idempotency key and a repeated request gets it back byte for byte; without, the reading.
 */
export function createOrder(context: AppContext, accountId: string, placedBy: OrderPlacer | null, input: CreateOrderInput, idempotencyKey: string | undefined): Promise<OrderReading | Failure>;
export function createOrder(context: AppContext, accountId: string, placedBy: OrderPlacer | null, input: CreateOrderInput, idempotencyKey: string | undefined, answer: Answerer<OrderReading>): Promise<StoredAnswer | Failure>;
export async function createOrder(
  context: AppContext,
  accountId: string,
  placedBy: OrderPlacer | null,
  input: CreateOrderInput,
  idempotencyKey: string | undefined,
  answer?: Answerer<OrderReading>,
): Promise<OrderReading | StoredAnswer | Failure> {
  const limit = parseDollarsPerNodeHour(input.limit_price_dollars_per_node_hour, 'limit_price_dollars_per_node_hour');
  if (isFailure(limit)) return declared(createOrderOperation, limit);
  const request = { accountId, key: idempotencyKey, operation: 'create_order', body: input };
  const effect = async (tx: Tx, now: number): Promise<{ readonly id: string; readonly result: OrderReading } | Failure> => {
      const window = parseOrderWindow(input.allocation_schedule_delta, 'allocation_schedule_delta', now);
      if (isFailure(window)) return window;
      // What the order needs before its book is locked, read in one round trip: the SKU (with
      // whether a clock advance left any of its procurements behind, which the order catches up
      // first), the book's first round as it is before the lock (`readFirstRoundAhead`), and its
      // pool, read and locked against deletion at once when named by id (so that placing sends
      // no lock of it; see the lock order in docs/architecture.md).
      const skuId = parseId('instanceSku', input.instance_sku);
      const skuRead = skuId === null ? null : await tx.procurements.skuWithBehindAhead(skuId, now);
      const firstRoundUnlocked = skuId === null ? null : await readFirstRoundAhead(tx, { instanceSkuId: skuId, side: input.side, limitMicros: limit, ...window }, now);
      const [pool] = (await resolvePoolsOfMove(tx, accountId, [input.pool])) as [PoolView | Failure];
      if (isFailure(pool)) return pool;
      const found = await skuRead?.();
      const sku = found?.sku ?? (await findInstanceSku(tx, input.instance_sku));
      if (isFailure(sku)) return sku;
      if (found === undefined || found.procurementsBehind) await catchUpProcurements(context, tx, sku.id, now);
      const made: SettledContract[] = [];
      const placed = await placeOrder(
        context,
        tx,
        { accountId, pool, sku, side: input.side, ...window, limitMicros: limit, allowStanding: input.allow_standing ?? false, allowPartial: input.allow_partial ?? false, procurementId: null, createdBy: placedBy?.tokenId ?? null, firstRoundUnlocked },
        now,
        made,
      );
      if (isFailure(placed)) return placed;
      // The answer is made of what placing knows, as a read would show it, without reading it back
      // while the book is held.
      const creator = placedBy === null ? null : { tokenName: placedBy.tokenName, userId: placedBy.userId, userEmail: placedBy.userEmail };
      const order: OrderView = { ...placed, poolName: pool.name, instanceSkuAlias: sku.alias, creator };
      return { id: placed.id, result: { order, contracts: made } };
  };
  const reread = async (tx: Tx, id: string): Promise<OrderReading | Failure> => {
    const order = await findOrder(tx, accountId, id);
    return isFailure(order) ? order : (await readOrders(tx, [order]))[0]!;
  };
  if (answer === undefined) return declared(createOrderOperation, await runIdempotent(context, request, effect, reread));
  return declared(createOrderOperation, await runIdempotentAnswer(context, request, effect, answer, reread));
}

export interface OrderReading {
  readonly order: OrderView;
  readonly contracts: readonly { readonly id: string; readonly schedule: Schedule; readonly priceMicros: number; readonly totalMicros: number; readonly filledAt: number }[];
}

async function readOrders(tx: Tx, orders: readonly OrderView[]): Promise<OrderReading[]> {
  const contracts = await tx.contracts.ofOrders(orders.map((order) => order.id));
  return orders.map((order) => ({ order, contracts: contracts.filter((contract) => contract.buyOrderId === order.id || contract.sellOrderId === order.id) }));
}

async function findOrder(tx: Tx, accountId: string, reference: string): Promise<OrderView | Failure> {
  const id = parseId('order', reference);
  const order = id === null ? undefined : await tx.orders.findById(accountId, id);
  return order ?? fail('order_not_found', `No order "${reference}"`);
}

export const getOrder = declaring(getOrderOperation, async function getOrder(context: AppContext, accountId: string, reference: string): Promise<OrderReading | Failure> {
  return context.store.read(async (tx) => {
    const order = await findOrder(tx, accountId, reference);
    if (isFailure(order)) return order;
    const [reading] = await readOrders(tx, [order]);
    return reading!;
  });
});

export interface ListOrdersInput extends PageQuery {
  readonly id?: readonly string[] | undefined;
  readonly pool?: string | undefined;
  readonly workspace?: string | undefined;
  readonly side?: OrderSide | undefined;
  readonly status?: readonly OrderStatus[] | undefined;
  readonly created_after?: number | undefined;
  readonly created_before?: number | undefined;
  readonly procurement?: string | undefined;
  readonly sort_by?: OrderSort | undefined;
}

export const listOrders = declaring(listOrdersOperation, async function listOrders(context: AppContext, accountId: string, input: ListOrdersInput): Promise<Page<OrderReading> | Failure> {
  const page = parsePageQuery(cursorPrefixes.orders, input);
  if (isFailure(page)) return page;
  return context.store.read(async (tx) => {
    // The pool names its workspace: with a pool, the workspace is ignored.
    const scope = await resolvePoolFilter(tx, accountId, input.pool === undefined ? { workspace: input.workspace } : { pool: input.pool });
    if (isFailure(scope)) return scope;
    const procurement = input.procurement === undefined ? null : await resolveProcurement(tx, accountId, input.procurement);
    if (isFailure(procurement)) return procurement;
    const ids = input.id === undefined || input.id.length === 0 ? null : input.id.map((id) => parseId('order', id)).filter((id): id is string => id !== null);
    const rows = await tx.orders.list(
      {
        accountId,
        ids,
        ...scope,
        side: input.side ?? null,
        statuses: input.status === undefined || input.status.length === 0 ? null : input.status,
        createdAfter: input.created_after ?? null,
        createdBefore: input.created_before ?? null,
        procurementId: procurement?.id ?? null,
        sort: input.sort_by ?? '-created_at',
      },
      page,
    );
    const orders = toPage(cursorPrefixes.orders, page, rows);
    return { ...orders, data: await readOrders(tx, orders.data) };
  });
});

/** Cancels a resting order; its hold returns to the account's cash. */
export async function cancelOrder(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return declared(cancelOrderOperation, await context.store.transaction(async (tx) => {
    const found = await findOrder(tx, accountId, reference);
    if (isFailure(found)) return found;
    await tx.orders.lockBook(found.instanceSkuId);
    const order = (await tx.orders.findByIdForEngine(found.id))!;
    const refusal = cancellationRefusal(order);
    if (refusal !== null) return refusal;
    await closeOrder(context, tx, order, 'cancelled', now);
    if (order.procurementId !== null) await resumeProcurement(tx, order.procurementId, now);
    return null;
  }));
}
