// The market as the API shows it: orders and previews, the anonymous book (levels, windows,
// quotes, depth, fills), what each SKU has for sale, procurements, and money — balances and
// transactions in the v1 API's cents, credit grants in dollars.

import type { SkuAvailability } from '../../app/market/availability.js';
import type { CreditGrant, Balances } from '../../app/market/money.js';
import type { BookFrame, DepthReading, FillsPage, MaintenanceNotice, Preview, WindowsPage } from '../../app/market/orderbook.js';
import type { OrderReading } from '../../app/market/orders.js';
import { type FeePolicy, formatDollars, toCents, toCentsTowardZero } from '../../domain/kernel/money.js';
import { cursorPrefixes, formatCursor, type Page } from '../../domain/kernel/pagination.js';
import { formatResourcePath, resourceTypes } from '../../domain/kernel/resource-paths.js';
import { hourSeconds, toRectangles } from '../../domain/kernel/schedule.js';
import type { BookWindow, PriceLevel } from '../../domain/market/orderbook.js';
import { averageFillPrice } from '../../domain/market/orders.js';
import { requirementsAsMap } from '../../domain/market/requirements.js';
import type { AccountTransactionRecord, ContractRecord, ProcurementView } from '../../store/market.js';
import { renderInstanceSkuSummary } from './allocation.js';

/** What a preview without a pool puts in `post_order_body.pool`, to be replaced before posting. */
export const placeholderPool = 'pool_REPLACE_ME';

export function renderOrder({ order, contracts }: OrderReading) {
  const pool = { id: order.poolId, name: order.poolName };
  const average = averageFillPrice(contracts);
  return {
    object: 'order' as const,
    id: order.id,
    capacity: pool,
    pool,
    side: order.side,
    allow_standing: order.allowStanding,
    allow_partial: order.allowPartial,
    instance_sku: renderInstanceSkuSummary(order.instanceSkuId, order.instanceSkuAlias),
    allocation_schedule_delta: [{ start_at: order.startAt, end_at: order.endAt, node_count: order.nodeCount }],
    filled_allocation_schedule_delta: toRectangles(order.filled),
    limit_price_dollars_per_node_hour: formatDollars(order.limitMicros),
    status: order.status,
    created_at: order.createdAt,
    created_by: renderOrderPrincipal(order),
    filled_at: order.filledAt,
    filled_average_price_dollars_per_node_hour: average === null ? null : formatDollars(average),
    fills: contracts.map((contract) => ({
      contract: contract.id,
      filled_at: contract.filledAt,
      allocation_schedule_delta: toRectangles(contract.schedule),
      price_dollars_per_node_hour: formatDollars(contract.priceMicros),
    })),
    cancelled_at: order.cancelledAt,
  };
}

/** SF Compute's `OrderPrincipal`: the user when the token acts for one, otherwise the token. */
function renderOrderPrincipal(order: OrderReading['order']) {
  if (order.createdBy === null) return null;
  if (order.creator?.userId != null) return { id: order.creator.userId, type: 'user' as const, email: order.creator.userEmail };
  return { id: order.createdBy, type: 'token' as const, name: order.creator?.tokenName ?? null };
}

export function renderFee(policy: FeePolicy) {
  return { flat_dollars_per_node_hour: formatDollars(policy.flatMicrosPerNodeHour), percentage_bps: policy.basisPoints };
}

function renderNotice(notice: MaintenanceNotice) {
  const nodes = notice.nodeCount === 1 ? '1 node' : `${notice.nodeCount} nodes`;
  return {
    type: 'maintenance_window' as const,
    start_at: notice.startAt,
    end_at: notice.endAt,
    maintenance_type: 'degraded_performance' as const,
    title: `Maintenance of ${notice.skuAlias} hosts`,
    description: `${nodes} of ${notice.skuAlias} are under maintenance from ${new Date(notice.startAt * 1000).toISOString()} to ${new Date(notice.endAt * 1000).toISOString()}: instances on them end at the start, and they take none until the end.`,
    action_message: null,
  };
}

export function renderPreview(preview: Preview) {
  if (preview.type === 'unavailable') return { type: preview.type, reason: preview.reason, fee: preview.fee === null ? null : renderFee(preview.fee), notices: preview.notices.map(renderNotice) };
  return {
    type: preview.type,
    post_order_body: {
      pool: preview.pool?.id ?? placeholderPool,
      side: preview.side,
      instance_sku: preview.sku.id,
      allocation_schedule_delta: [{ start_at: preview.startAt, end_at: preview.endAt, node_count: preview.nodeCount }],
      limit_price_dollars_per_node_hour: formatDollars(preview.estimate.limitMicros),
      allow_standing: false,
      allow_partial: false,
    },
    fee: renderFee(preview.fee),
    notices: preview.notices.map(renderNotice),
  };
}

function renderLevel(level: PriceLevel) {
  return {
    instance_sku: level.instanceSkuId,
    dollars_per_node_hour: formatDollars(level.priceMicros),
    allocation_schedule_delta: toRectangles(level.schedule),
  };
}

function renderFrame(frame: BookFrame & { readonly startAt: number; readonly endAt: number }) {
  return { requirements: requirementsAsMap(frame.requirements), start_at: frame.startAt, end_at: frame.endAt, requested_at: frame.requestedAt };
}

function renderWindow(window: BookWindow) {
  return {
    instance_sku: window.instanceSkuId,
    start_at: window.startAt,
    end_at: window.endAt,
    duration_hours: Math.floor((window.endAt - window.startAt) / hourSeconds),
    total_bid_order_count: window.bidCount,
    total_ask_order_count: window.askCount,
    best_bid: window.bestBid === null ? null : renderLevel(window.bestBid),
    best_ask: window.bestAsk === null ? null : renderLevel(window.bestAsk),
  };
}

export function renderWindows(page: WindowsPage) {
  return {
    object: 'list' as const,
    requirements: requirementsAsMap(page.requirements),
    range_start_at: page.rangeStartAt,
    range_end_at: page.rangeEndAt,
    cursor: page.cursor,
    has_more: page.hasMore,
    data: page.data.map((window) => renderWindow(window)),
  };
}

export function renderQuote(depth: DepthReading) {
  return {
    ...renderFrame(depth),
    best_bid: depth.bids[0] === undefined ? null : renderLevel(depth.bids[0]),
    best_ask: depth.asks[0] === undefined ? null : renderLevel(depth.asks[0]),
  };
}

export function renderDepth(depth: DepthReading) {
  return {
    ...renderFrame(depth),
    bids: depth.bids.map(renderLevel),
    asks: depth.asks.map(renderLevel),
  };
}

function renderFill(contract: ContractRecord) {
  return {
    instance_sku: contract.instanceSkuId,
    dollars_per_node_hour: formatDollars(contract.priceMicros),
    allocation_schedule_delta: toRectangles(contract.schedule),
    filled_at: contract.filledAt,
  };
}

export function renderFills(page: FillsPage) {
  return {
    object: 'list' as const,
    ...renderFrame(page),
    cursor: page.cursor,
    has_more: page.has_more,
    data: page.data.map(renderFill),
  };
}

export function renderAvailability(availability: SkuAvailability) {
  return {
    object: 'instance_sku_availability' as const,
    instance_sku: renderInstanceSkuSummary(availability.sku.id, availability.sku.alias),
    schedule: toRectangles(availability.schedule, availability.from),
  };
}

export function renderProcurement(procurement: ProcurementView) {
  const pool = { id: procurement.poolId, name: procurement.poolName };
  return {
    object: 'procurement' as const,
    id: procurement.id,
    resource_path: formatResourcePath(resourceTypes.procurement, procurement.accountId, procurement.workspaceName, procurement.name),
    owner: procurement.accountId,
    workspace: procurement.workspaceName,
    workspace_id: procurement.workspaceId,
    name: procurement.name,
    target: procurement.target,
    capacity: pool,
    pool,
    instance_sku: renderInstanceSkuSummary(procurement.instanceSkuId, procurement.instanceSkuAlias),
    min_sell_price_dollars_per_node_hour: formatDollars(procurement.minSellMicros),
    max_buy_price_dollars_per_node_hour: formatDollars(procurement.maxBuyMicros),
    managed_window_minutes: procurement.managedWindowMinutes,
    enabled: procurement.enabled,
    status: { state: procurement.statusState, message: procurement.statusMessage },
    created_at: procurement.createdAt,
    updated_at: procurement.updatedAt,
  };
}

export function renderBalances(balances: Balances & { readonly readAt: number }) {
  return {
    object: 'balances' as const,
    available_balance_cents: toCents(balances.cashMicros),
    current_balance_cents: toCents(balances.cashMicros + balances.heldMicros),
    current_overage_cents: 0,
    overage_limit_cents: 0,
    updated_at: balances.readAt,
  };
}

function renderTransactionDetails(transaction: AccountTransactionRecord) {
  if (transaction.type === 'buy_order' || transaction.type === 'sell_order') {
    return { object: 'transaction_details' as const, type: transaction.type, order_id: transaction.orderId ?? '', order: null };
  }
  return { object: 'transaction_details' as const, type: 'credit_grant' as const, memo: transaction.memo ?? '' };
}

function renderTransaction(transaction: AccountTransactionRecord) {
  return {
    object: 'transaction' as const,
    cursor: formatCursor(cursorPrefixes.transactions, transaction.seq),
    transaction_time: transaction.createdAt,
    amount_cents: toCentsTowardZero(transaction.amountMicros),
    balance: toCents(transaction.balanceAfterMicros),
    details: renderTransactionDetails(transaction),
  };
}

/** `/v1/transactions` pages carry each transaction's own cursor, and no list cursor. */
export function renderTransactions(page: Page<AccountTransactionRecord>) {
  return { object: 'list' as const, has_more: page.has_more, data: page.data.map(renderTransaction) };
}

export function renderCreditGrant(grant: CreditGrant) {
  return {
    object: 'credit_grant' as const,
    account: grant.accountId,
    amount_dollars: formatDollars(grant.amountMicros),
    available_balance_dollars: formatDollars(grant.cashMicros),
    current_balance_dollars: formatDollars(grant.cashMicros + grant.heldMicros),
  };
}
