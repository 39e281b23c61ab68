// `/v0/orders`: SF Compute's older orders, placed on allot's book through the same `placeOrder`
// v2 orders use. A v0 buy fills into the account's pool `v0` in its default workspace (made at
// the first buy); a v0 sell sells from the pool holding the contract it names (`contract_id`, or
// the first of `colocate_with`). The SKU is the contract's, else the zone's (`cluster`), else the
// instance type's where the order fills best now.

import { fail, type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { cancelV0OrderOperation, createV0OrderOperation, getV0OrderOperation, listV0OrdersOperation } from '../../domain/legacy-v0/operations.js';
import { declaring } from '../kernel/declaring.js';
import { parseId } from '../../domain/kernel/ids.js';
import { meetsInstanceType, parseInstanceType } from '../../domain/legacy-v0/instance-types.js';
import { parseV0OrderTerms, type V0OrderFlags, v0OrderStatusOf, v0TotalCents } from '../../domain/legacy-v0/orders.js';
import { isResting, type OrderStatus } from '../../domain/market/order-status.js';
import type { InstanceSkuRecord, PoolView } from '../../store/allocation.js';
import type { ContractRecord, OrderSort, OrderView } from '../../store/market.js';
import type { Tx } from '../../store/store.js';
import { insertPool } from '../allocation/pools.js';
import type { AppContext } from '../kernel/context.js';
import { type Answerer, runIdempotentAnswer, type StoredAnswer } from '../kernel/idempotency.js';
import { closeOrder, placeOrder } from '../market/book.js';
import { bestFill } from '../market/orderbook.js';
import { catchUpProcurements } from '../market/procurement-runs.js';
import { findBoughtContract } from './contracts.js';
import { checkOffsetPage, type OffsetPage } from './procurements.js';

/** The pool v0 buys fill into, in the account's default workspace. */
export const v0PoolName = 'v0';

export interface V0OrderReading {
  readonly order: OrderView;
  readonly sku: InstanceSkuRecord;
  readonly contracts: readonly ContractRecord[];
}

async function readOrders(tx: Tx, orders: readonly OrderView[]): Promise<V0OrderReading[]> {
  const skus = new Map((await tx.instanceSkus.listAll()).map((sku) => [sku.id, sku]));
  const contracts = await tx.contracts.ofOrders(orders.map((order) => order.id));
  return orders.map((order) => ({ order, sku: skus.get(order.instanceSkuId)!, contracts: contracts.filter((contract) => contract.buyOrderId === order.id || contract.sellOrderId === order.id) }));
}

async function findOrder(tx: Tx, accountId: string, reference: string): Promise<OrderView | Failure> {
  const id = parseId('order', reference);
  const order = id === null ? undefined : await tx.orders.findById(accountId, id);
  // Orders a procurement placed belong to it; v0 shows the account's own.
  return order === undefined || order.procurementId !== null ? fail('order_not_found', `No order "${reference}"`) : order;
}

export interface V0CreateOrderInput {
  readonly side: 'buy' | 'sell';
  readonly instance_type?: string | null | undefined;
  readonly quantity: number;
  readonly start_at: string;
  readonly end_at: string;
  readonly price: number;
  readonly flags?: V0OrderFlags | undefined;
  readonly colocate_with?: readonly string[] | undefined;
  readonly cluster?: string | null | undefined;
  readonly contract_id?: string | undefined;
}

async function ensureV0Pool(context: AppContext, tx: Tx, accountId: string, now: number): Promise<PoolView | Failure> {
  const account = (await tx.accounts.find(accountId))!;
  const existing = await tx.pools.findByName(account.defaultWorkspaceId, v0PoolName);
  if (existing !== undefined) return existing;
  const workspace = (await tx.workspaces.findById(accountId, account.defaultWorkspaceId))!;
  const made = await insertPool(context, tx, workspace, 'market', { name: v0PoolName }, now);
  return isFailure(made) ? made : made.pool;
}

export const createV0Order = declaring(createV0OrderOperation, async function createV0Order(context: AppContext, accountId: string, tokenId: string | null, input: V0CreateOrderInput, idempotencyKey: string | undefined, answer: Answerer<V0OrderReading>): Promise<StoredAnswer | Failure> {
  const instanceType = input.instance_type === undefined || input.instance_type === null ? null : parseInstanceType(input.instance_type, 'instance_type');
  if (isFailure(instanceType)) return instanceType;
  const contractReference = input.contract_id ?? input.colocate_with?.[0];
  if (input.side === 'sell' && contractReference === undefined) return invalidField('contract_id', 'missing', 'A sell names the contract it sells from: contract_id');
  if (input.side === 'buy' && contractReference === undefined && instanceType === null && (input.cluster ?? null) === null) {
    return invalidField('instance_type', 'missing', 'A buy names an instance_type, a cluster (zone) or a contract to colocate with');
  }
  return runIdempotentAnswer(
    context,
    { accountId, key: idempotencyKey, operation: 'create_v0_order', body: input },
    async (tx, now) => {
      const terms = parseV0OrderTerms(input, input.side, now);
      if (isFailure(terms)) return terms;
      let pool: PoolView | Failure;
      let skus = await tx.instanceSkus.listAll();
      if (contractReference !== undefined) {
        const contract = await findBoughtContract(tx, accountId, contractReference, now);
        if (isFailure(contract)) return contract;
        skus = skus.filter((sku) => sku.id === contract.contract.instanceSkuId);
        pool = input.side === 'sell' ? ((await tx.pools.findById(accountId, contract.contract.poolId)) ?? fail('pool_not_found', `The pool of contract ${contract.contract.id} is gone`)) : await ensureV0Pool(context, tx, accountId, now);
      } else {
        if ((input.cluster ?? null) !== null) skus = skus.filter((sku) => sku.properties.availability_zone === input.cluster);
        else skus = skus.filter((sku) => meetsInstanceType(sku.properties, instanceType!));
        if (skus.length === 0) return invalidField(input.cluster == null ? 'instance_type' : 'cluster', 'unavailable', 'No instance SKU meets the order: GET /v0/zones lists the zones');
        pool = await ensureV0Pool(context, tx, accountId, now);
      }
      if (isFailure(pool)) return pool;
      // Procurements whose runs an advance skipped first: the book is read and placed on.
      for (const candidate of skus) await catchUpProcurements(context, tx, candidate.id, now);
      let sku = skus[0]!;
      if (skus.length > 1) {
        const best = await bestFill(tx, skus, { side: input.side, startAt: terms.startAt, endAt: terms.endAt, nodeCount: terms.nodeCount, limitMicros: terms.limitMicros, excludePoolId: pool.id }, now);
        sku = best?.sku ?? sku;
      }
      const placed = await placeOrder(
        context,
        tx,
        { accountId, pool, sku, side: input.side, startAt: terms.startAt, endAt: terms.endAt, nodeCount: terms.nodeCount, limitMicros: terms.limitMicros, allowStanding: terms.allowStanding, allowPartial: false, procurementId: null, createdBy: tokenId },
        now,
      );
      if (isFailure(placed)) return placed;
      const [reading] = await readOrders(tx, [(await tx.orders.findById(accountId, placed.id))!]);
      return { id: placed.id, result: reading! };
    },
    answer,
    async (tx, id) => {
      const order = await findOrder(tx, accountId, id);
      return isFailure(order) ? order : (await readOrders(tx, [order]))[0]!;
    },
  );
});

export const getV0Order = declaring(getV0OrderOperation, async function getV0Order(context: AppContext, accountId: string, reference: string): Promise<V0OrderReading | Failure> {
  return context.store.read(async (tx) => {
    const order = await findOrder(tx, accountId, reference);
    return isFailure(order) ? order : (await readOrders(tx, [order]))[0]!;
  });
});

/** The clusters an order's fills run on: allot has no clusters, so none, once the order is found. */
export const getV0OrderClusters = declaring(getV0OrderOperation, async function getV0OrderClusters(context: AppContext, accountId: string, reference: string): Promise<OffsetPage<never> | Failure> {
  const order = await getV0Order(context, accountId, reference);
  return isFailure(order) ? order : { data: [], has_more: false };
});

export interface V0ListOrdersInput {
  readonly side?: 'buy' | 'sell' | undefined;
  readonly instance_type?: string | undefined;
  readonly min_price?: number | undefined;
  readonly max_price?: number | undefined;
  readonly only_open?: boolean | undefined;
  readonly only_filled?: boolean | undefined;
  readonly only_cancelled?: boolean | undefined;
  readonly exclude_filled?: boolean | undefined;
  readonly exclude_cancelled?: boolean | undefined;
  readonly sort_by?: 'created_at' | 'start_time' | undefined;
  readonly sort_direction?: 'ASC' | 'DESC' | undefined;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

/** The statuses a list's status flags leave, or a failure when they contradict each other. */
function statusesOf(input: V0ListOrdersInput): OrderStatus[] | Failure {
  const only = [input.only_open, input.only_filled, input.only_cancelled].filter((flag) => flag === true).length;
  if (only > 1) return invalidField('only_open', 'conflicting_parameters', 'Give at most one of only_open, only_filled and only_cancelled');
  let statuses: OrderStatus[] = ['standing', 'partially_filled', 'filled', 'cancelled', 'rejected'];
  if (input.only_open === true) statuses = ['standing', 'partially_filled'];
  if (input.only_filled === true) statuses = ['filled'];
  if (input.only_cancelled === true) statuses = ['cancelled'];
  if (input.exclude_filled === true) statuses = statuses.filter((status) => status !== 'filled');
  if (input.exclude_cancelled === true) statuses = statuses.filter((status) => status !== 'cancelled');
  return statuses;
}

/**
 * The account's own orders (not its procurements'), filtered, sorted (newest first by default)
 * and paged by limit and offset. The filters on instance type and price are applied to the rows
 * the store reads, so the whole filtered list is read before the page is cut from it.
 */
export const listV0Orders = declaring(listV0OrdersOperation, async function listV0Orders(context: AppContext, accountId: string, input: V0ListOrdersInput): Promise<OffsetPage<V0OrderReading> | Failure> {
  const page = checkOffsetPage(input);
  if (isFailure(page)) return page;
  const statuses = statusesOf(input);
  if (isFailure(statuses)) return statuses;
  const instanceType = input.instance_type === undefined ? null : parseInstanceType(input.instance_type, 'instance_type');
  if (isFailure(instanceType)) return instanceType;
  const key = input.sort_by === 'start_time' ? 'start_at' : 'created_at';
  const sort = (input.sort_direction === 'ASC' ? key : `-${key}`) as OrderSort;
  return context.store.read(async (tx) => {
    if (statuses.length === 0) return { data: [], has_more: false };
    const rows = await tx.orders.list({ accountId, ids: null, poolId: null, workspaceId: null, side: input.side ?? null, statuses, createdAfter: null, createdBefore: null, procurementId: null, sort }, { direction: 'older', boundarySeq: null, limit: Number.MAX_SAFE_INTEGER - 1 });
    const readings = (await readOrders(tx, rows)).filter((reading) => {
      if (instanceType !== null && !meetsInstanceType(reading.sku.properties, instanceType)) return false;
      const cents = v0TotalCents(reading.order.limitMicros, reading.order.nodeCount, reading.order.startAt, reading.order.endAt);
      return (input.min_price === undefined || cents >= input.min_price) && (input.max_price === undefined || cents <= input.max_price);
    });
    return { data: readings.slice(page.offset, page.offset + page.limit), has_more: readings.length > page.offset + page.limit };
  });
});

/** Cancels a resting order; a filled or cancelled one is a 400, as SF Compute answers. */
export const cancelV0Order = declaring(cancelV0OrderOperation, async function cancelV0Order(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const found = await findOrder(tx, accountId, reference);
    if (isFailure(found)) return found;
    await tx.orders.lockBook(found.instanceSkuId);
    const order = (await tx.orders.findByIdForEngine(found.id))!;
    if (!isResting(order.status)) return invalidField('id', 'not_cancellable', `Order ${order.id} is already ${v0OrderStatusOf(order.status)}`);
    await closeOrder(context, tx, order, 'cancelled', now);
    return null;
  });
});

/** Cancels every resting order of the account's own (its procurements keep theirs), in one transaction. */
export async function cancelAllV0Orders(context: AppContext, accountId: string): Promise<number> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const resting = await tx.orders.list({ accountId, ids: null, poolId: null, workspaceId: null, side: null, statuses: ['standing', 'partially_filled'], createdAfter: null, createdBefore: null, procurementId: null, sort: 'created_at' }, { direction: 'older', boundarySeq: null, limit: Number.MAX_SAFE_INTEGER - 1 });
    // Books are taken in SKU order, so that two transactions taking several cannot deadlock.
    for (const skuId of [...new Set(resting.map((order) => order.instanceSkuId))].sort()) await tx.orders.lockBook(skuId);
    let cancelled = 0;
    for (const { id } of resting) {
      const order = (await tx.orders.findByIdForEngine(id))!;
      if (!isResting(order.status)) continue;
      await closeOrder(context, tx, order, 'cancelled', now);
      cancelled++;
    }
    return cancelled;
  });
}
