// The order book, read: windows, quotes, depth and fills for SKUs that meet a set of
// requirements; order previews, which run the matcher without placing anything; and what each
// SKU has for sale (its availability), which is what its resting sells still offer.
//
// Every view starts at the current minute: the past of a resting order cannot trade.

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { getDepthOperation, listFillsOperation, listWindowsOperation, previewOrderOperation } from '../../domain/market/operations.js';
import { declaring } from '../kernel/declaring.js';
import { meetsRequirements, parseRequirements, type Requirements, requirementsFromMap } from '../../domain/market/requirements.js';
import { match, type Side } from '../../domain/market/matching.js';
import {
  type BookWindow,
  bookWindows,
  checkRange,
  clampCount,
  compareWindowKeys,
  type Estimate,
  estimateOf,
  formatWindowsCursor,
  parseWindowsCursor,
  type PriceLevel,
  priceLevels,
} from '../../domain/market/orderbook.js';
import { checkOrderWindow, windowSchedule } from '../../domain/market/orders.js';
import { cursorPrefixes, type Page, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { clip, emptySchedule, floorToMinute, type Schedule, sumOf } from '../../domain/kernel/schedule.js';
import type { BookQuery, ContractRecord, OrderRecord } from '../../store/market.js';
import type { InstanceSkuRecord, PoolView } from '../../store/allocation.js';
import type { Tx } from '../../store/store.js';
import type { FeePolicy } from '../../domain/kernel/money.js';
import { bookViewReadBatch, orderbookDepthDefault, orderbookDepthMax, orderbookFillsSinceDefaultSeconds, orderbookFillsSinceMaxSeconds, orderbookPageSizeDefault, orderbookPageSizeMax } from '../../domain/kernel/limits.js';
import type { AppContext } from '../kernel/context.js';
import { asResting } from '../../domain/market/book.js';
import { resolvePool } from '../allocation/pools.js';

/** The furthest ahead anything is scheduled: the book's open end. */
const openEnd = Number.MAX_SAFE_INTEGER;

/** Every resting order of one side of these SKUs overlapping `[from, to)`, best price first. */
async function readBook(tx: Tx, query: BookQuery): Promise<OrderRecord[]> {
  const orders: OrderRecord[] = [];
  for (let offset = 0; ; offset += bookViewReadBatch) {
    const batch = await tx.orders.resting(query, bookViewReadBatch, offset);
    orders.push(...batch);
    if (batch.length < bookViewReadBatch) return orders;
  }
}

async function readBothSides(tx: Tx, skuIds: readonly string[], from: number, to: number): Promise<OrderRecord[]> {
  const sides: Side[] = ['buy', 'sell'];
  const books = await Promise.all(sides.map((side) => readBook(tx, { instanceSkuIds: skuIds, side, priceBound: null, overlapsFrom: from, overlapsTo: to })));
  return books.flat();
}

/** What every book read answers with besides its data. */
export interface BookFrame {
  readonly requirements: Requirements;
  readonly requestedAt: number;
}

/** The SKUs that meet the requirements, and the frame of a book read made now. */
async function frameOf(tx: Tx, requirements: Requirements, now: number): Promise<{ readonly skuIds: string[]; readonly frame: BookFrame }> {
  const skuIds = (await tx.instanceSkus.listAll()).filter((sku) => meetsRequirements(sku.properties, requirements)).map((sku) => sku.id);
  return { skuIds, frame: { requirements, requestedAt: now } };
}

export interface WindowsInput {
  readonly requirements?: string | undefined;
  readonly range_start_at: number;
  readonly range_end_at: number;
  readonly limit?: number | undefined;
  readonly starting_after?: string | undefined;
}

export interface WindowsPage extends BookFrame {
  readonly rangeStartAt: number;
  readonly rangeEndAt: number;
  readonly data: readonly BookWindow[];
  readonly hasMore: boolean;
  readonly cursor: string | null;
}

/** Windows (an order's own start and end) of resting orders that overlap the range. */
export const listWindows = declaring(listWindowsOperation, async function listWindows(context: AppContext, input: WindowsInput): Promise<WindowsPage | Failure> {
  const requirements = parseRequirements(input.requirements);
  if (isFailure(requirements)) return requirements;
  const badRange = checkRange(input.range_start_at, input.range_end_at, { start: 'range_start_at', end: 'range_end_at' });
  if (badRange !== null) return badRange;
  const after = input.starting_after === undefined ? null : parseWindowsCursor(input.starting_after, 'starting_after');
  if (isFailure(after)) return after;
  const limit = clampCount(input.limit, orderbookPageSizeDefault, orderbookPageSizeMax);
  const now = context.clock.now();
  const from = Math.max(input.range_start_at, floorToMinute(now));
  return context.store.read(async (tx) => {
    const { skuIds, frame } = await frameOf(tx, requirements, now);
    const orders = input.range_end_at <= from ? [] : await readBothSides(tx, skuIds, from, input.range_end_at);
    const windows = bookWindows(orders.map((order) => ({ ...order, remaining: clip(order.remaining, floorToMinute(now), null) }))).filter((window) => after === null || compareWindowKeys(window, after) > 0);
    const data = windows.slice(0, limit);
    const hasMore = windows.length > limit;
    return { ...frame, rangeStartAt: input.range_start_at, rangeEndAt: input.range_end_at, data, hasMore, cursor: hasMore ? formatWindowsCursor(data.at(-1)!) : null };
  });
});

export interface WindowInput {
  readonly requirements?: string | undefined;
  readonly start_at: number;
  readonly end_at: number;
}

export interface DepthReading extends BookFrame {
  readonly startAt: number;
  readonly endAt: number;
  readonly bids: readonly PriceLevel[];
  readonly asks: readonly PriceLevel[];
}

/** Both sides' price levels for a window: what resting orders still offer within it, from the current minute. */
export const getDepth = declaring(getDepthOperation, async function getDepth(context: AppContext, input: WindowInput & { readonly depth?: number | undefined }): Promise<DepthReading | Failure> {
  const requirements = parseRequirements(input.requirements);
  if (isFailure(requirements)) return requirements;
  const badRange = checkRange(input.start_at, input.end_at, { start: 'start_at', end: 'end_at' });
  if (badRange !== null) return badRange;
  const depth = clampCount(input.depth, orderbookDepthDefault, orderbookDepthMax);
  const now = context.clock.now();
  const from = Math.max(input.start_at, floorToMinute(now));
  return context.store.read(async (tx) => {
    const { skuIds, frame } = await frameOf(tx, requirements, now);
    const orders = input.end_at <= from ? [] : await readBothSides(tx, skuIds, from, input.end_at);
    return {
      ...frame,
      startAt: input.start_at,
      endAt: input.end_at,
      bids: priceLevels(orders, 'buy', from, input.end_at).slice(0, depth),
      asks: priceLevels(orders, 'sell', from, input.end_at).slice(0, depth),
    };
  });
});

export const getQuote = declaring(getDepthOperation, async function getQuote(context: AppContext, input: WindowInput): Promise<DepthReading | Failure> {
  return getDepth(context, { ...input, depth: 1 });
});

export interface FillsInput extends WindowInput {
  readonly since_at?: number | undefined;
  readonly limit?: number | undefined;
  readonly starting_after?: string | undefined;
}

export interface FillsPage extends BookFrame, Page<ContractRecord> {
  readonly startAt: number;
  readonly endAt: number;
}

/** Contracts that filled on SKUs meeting the requirements, overlapping the window, newest first. */
export const listFills = declaring(listFillsOperation, async function listFills(context: AppContext, input: FillsInput): Promise<FillsPage | Failure> {
  const requirements = parseRequirements(input.requirements);
  if (isFailure(requirements)) return requirements;
  const badRange = checkRange(input.start_at, input.end_at, { start: 'start_at', end: 'end_at' });
  if (badRange !== null) return badRange;
  const now = context.clock.now();
  const since = input.since_at ?? now - orderbookFillsSinceDefaultSeconds;
  if (since < now - orderbookFillsSinceMaxSeconds) return fail('invalid_request', `since_at may be at most ${orderbookFillsSinceMaxSeconds / 86_400} days ago`, [{ field: 'since_at', code: 'out_of_range', message: `since_at must be at or after ${now - orderbookFillsSinceMaxSeconds}` }]);
  const page = parsePageQuery(cursorPrefixes.orderbookFills, { limit: clampCount(input.limit, orderbookPageSizeDefault, orderbookPageSizeMax), starting_after: input.starting_after });
  if (isFailure(page)) return page;
  return context.store.read(async (tx) => {
    const { skuIds, frame } = await frameOf(tx, requirements, now);
    const rows = await tx.contracts.list({ instanceSkuIds: skuIds, overlapsFrom: input.start_at, overlapsTo: input.end_at, since }, page);
    return { ...frame, startAt: input.start_at, endAt: input.end_at, ...toPage(cursorPrefixes.orderbookFills, page, rows) };
  });
});

export interface PreviewInput {
  readonly side: Side;
  readonly requirements: Readonly<Record<string, readonly string[]>>;
  readonly start_at: number;
  readonly duration_seconds: number;
  readonly node_count: number;
  readonly pool?: string | null | undefined;
}

export type Preview =
  | { readonly type: 'quoted'; readonly side: Side; readonly pool: PoolView | null; readonly sku: InstanceSkuRecord; readonly startAt: number; readonly endAt: number; readonly nodeCount: number; readonly estimate: Estimate; readonly fee: FeePolicy; readonly notices: readonly MaintenanceNotice[] }
  | { readonly type: 'unavailable'; readonly reason: 'no_matching_instance_skus' | 'no_availability'; readonly fee: FeePolicy | null; readonly notices: readonly MaintenanceNotice[] };

/** A maintenance window of hosts of a SKU (the fleet's drains) overlapping an order's window. */
export interface MaintenanceNotice {
  readonly skuAlias: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly nodeCount: number;
}

/**
 * The maintenance windows of these SKUs' hosts that overlap [from, to), one per SKU and window
 * with the nodes it takes. Read through the transaction: hosts are the fleet's, above the market.
 */
async function maintenanceNotices(tx: Tx, skus: readonly InstanceSkuRecord[], from: number, to: number): Promise<MaintenanceNotice[]> {
  const notices: MaintenanceNotice[] = [];
  for (const sku of skus) {
    const byWindow = new Map<string, MaintenanceNotice>();
    for (const window of await tx.fleet.maintenanceWindows(sku.id, from, to)) {
      const key = `${window.startAt} ${window.endAt}`;
      const seen = byWindow.get(key);
      byWindow.set(key, { skuAlias: sku.alias, startAt: window.startAt, endAt: window.endAt, nodeCount: (seen?.nodeCount ?? 0) + window.nodeCount });
    }
    notices.push(...byWindow.values());
  }
  return notices;
}

/**
 * An order preview: the matcher run on the book as it stands, for an all-or-nothing order with no
 * price limit on every SKU that meets the requirements; the SKU where it fills best (cheapest for
 * a buy, dearest for a sell) is quoted. A preview for a pool leaves that pool's own orders out,
 * as the order would. It places nothing and holds nothing: the book may move before the order
 * is posted.
 */
export const previewOrder = declaring(previewOrderOperation, async function previewOrder(context: AppContext, accountId: string, input: PreviewInput): Promise<Preview | Failure> {
  const requirements = requirementsFromMap(input.requirements, 'requirements');
  if (isFailure(requirements)) return requirements;
  if (!Number.isInteger(input.duration_seconds) || input.duration_seconds <= 0 || input.duration_seconds % 60 !== 0) {
    return fail('invalid_request', 'duration_seconds must be a positive multiple of 60', [{ field: 'duration_seconds', code: 'out_of_range', message: 'duration_seconds must be a positive multiple of 60' }]);
  }
  const now = context.clock.now();
  const window = checkOrderWindow({ startAt: input.start_at, endAt: input.start_at + input.duration_seconds, nodeCount: input.node_count }, { start: 'start_at', end: 'duration_seconds', nodeCount: 'node_count' }, now);
  if (isFailure(window)) return window;
  return context.store.read(async (tx) => {
    let pool: PoolView | null = null;
    if (input.pool !== undefined && input.pool !== null) {
      const resolved = await resolvePool(tx, accountId, input.pool);
      if (isFailure(resolved)) return resolved;
      pool = resolved;
    }
    const skus = (await tx.instanceSkus.listAll()).filter((sku) => meetsRequirements(sku.properties, requirements));
    if (skus.length === 0) return { type: 'unavailable' as const, reason: 'no_matching_instance_skus' as const, fee: null, notices: [] };
    const limit = input.side === 'buy' ? Number.MAX_SAFE_INTEGER : 0;
    const best = await bestFill(tx, skus, { side: input.side, ...window, limitMicros: limit, excludePoolId: pool?.id ?? null }, now);
    if (best === null) return { type: 'unavailable' as const, reason: 'no_availability' as const, fee: context.feePolicy, notices: await maintenanceNotices(tx, skus, window.startAt, window.endAt) };
    return { type: 'quoted' as const, side: input.side, pool, sku: best.sku, ...window, estimate: best.estimate, fee: context.feePolicy, notices: await maintenanceNotices(tx, [best.sku], window.startAt, window.endAt) };
  });
});

/** An order to try on the book without placing it. */
export interface TrialOrder {
  readonly side: Side;
  readonly startAt: number;
  readonly endAt: number;
  readonly nodeCount: number;
  readonly limitMicros: number;
  /** The pool the order would use: its own resting orders are not there for it. */
  readonly excludePoolId: string | null;
}

/**
 * The SKU, among these, where an all-or-nothing order would fill best now — cheapest for a buy,
 * dearest for a sell — with its estimate; null when it fills on none.
 */
export async function bestFill(tx: Tx, skus: readonly InstanceSkuRecord[], order: TrialOrder, now: number): Promise<{ readonly sku: InstanceSkuRecord; readonly estimate: Estimate } | null> {
  const currentMinute = floorToMinute(now);
  const wanted = windowSchedule(order);
  const other: Side = order.side === 'buy' ? 'sell' : 'buy';
  let best: { sku: InstanceSkuRecord; estimate: Estimate } | null = null;
  for (const sku of skus) {
    const book = (await readBook(tx, { instanceSkuIds: [sku.id], side: other, priceBound: order.limitMicros, overlapsFrom: Math.max(order.startAt, currentMinute), overlapsTo: order.endAt }))
      .filter((resting) => resting.poolId !== order.excludePoolId);
    const estimate = estimateOf(match({ side: order.side, limitMicrosPerHour: order.limitMicros, wanted, allowPartial: false }, book.map(asResting), currentMinute), order.side);
    if (estimate === null) continue;
    const better = best === null || (order.side === 'buy' ? estimate.totalMicros < best.estimate.totalMicros : estimate.totalMicros > best.estimate.totalMicros);
    if (better) best = { sku, estimate };
  }
  return best;
}

export interface SkuSupply {
  readonly sku: InstanceSkuRecord;
  /** Nodes for sale over time, from the current minute. */
  readonly schedule: Schedule;
  readonly from: number;
}

/** What the resting sells of these SKUs still offer from the current minute: what can be bought. */
export async function supplyOf(tx: Tx, skus: readonly InstanceSkuRecord[], now: number): Promise<SkuSupply[]> {
  const from = floorToMinute(now);
  const asks = await readBook(tx, { instanceSkuIds: skus.map((sku) => sku.id), side: 'sell', priceBound: null, overlapsFrom: from, overlapsTo: openEnd });
  return skus.map((sku) => {
    const offered = asks.filter((ask) => ask.instanceSkuId === sku.id).map((ask) => clip(ask.remaining, from, null));
    return { sku, schedule: offered.length === 0 ? emptySchedule : sumOf(offered), from };
  });
}
