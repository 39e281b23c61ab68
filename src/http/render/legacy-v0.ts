// How the `/v0` API shows allot's state: ISO times, cents, instance types and zones from SKUs.

import type { Page } from '../../domain/kernel/pagination.js';
import { contractShape } from '../../domain/legacy-v0/contracts.js';
import { instanceTypeOf } from '../../domain/legacy-v0/instance-types.js';
import { quotePriceCents } from '../../domain/legacy-v0/quotes.js';
import { isoSeconds } from '../../domain/legacy-v0/times.js';
import type { ContractReading } from '../../app/legacy-v0/contracts.js';
import type { QuoteReading } from '../../app/legacy-v0/quotes.js';
import type { OffsetPage, V0ProcurementReading } from '../../app/legacy-v0/procurements.js';
import { lastMessageOf, microsToGpuHourCents } from '../../domain/legacy-v0/procurements.js';
import { vmIdOf } from '../../domain/legacy-v0/vms.js';
import type { VmReplacement } from '../../app/legacy-v0/vms.js';
import type { V0OrderReading } from '../../app/legacy-v0/orders.js';
import { v0OrderStatusOf, v0TotalCents } from '../../domain/legacy-v0/orders.js';
import { microsPerCent, toCents, toCentsTowardZero } from '../../domain/kernel/money.js';
import { cursorPrefixes, formatCursor } from '../../domain/kernel/pagination.js';
import { v0TransactionTypeOf } from '../../domain/legacy-v0/transactions.js';
import type { Balances } from '../../app/market/money.js';
import type { V0TransactionReading, V0TransactionsPage } from '../../app/legacy-v0/billing.js';
import type { V0InstanceReading } from '../../app/legacy-v0/instances.js';
import type { SshKey } from '../../domain/tenancy/ssh-keys.js';

export function renderContract(reading: ContractReading) {
  const { contract } = reading;
  return {
    object: 'contract' as const,
    id: contract.id,
    status: 'active' as const,
    created_at: isoSeconds(contract.filledAt),
    instance_type: reading.instanceType,
    shape: contractShape(contract.schedule),
    ...(reading.zone === null ? {} : { zone: reading.zone }),
    state: reading.state,
    is_node: reading.isNode,
    procurement_id: contract.procurementId,
    colocate_with: [],
  };
}

export function renderV0List<T>(render: (item: T) => unknown) {
  return (page: Page<T>) => ({ object: 'list' as const, data: page.data.map(render), has_more: page.has_more, cursor: page.cursor });
}

export function renderQuote(reading: QuoteReading) {
  if (reading.type === 'none') return { object: 'quote' as const, side: reading.side, quote: null, no_quote_reason: reading.reason };
  return {
    object: 'quote' as const,
    side: reading.side,
    quote: {
      price: quotePriceCents(reading.side, reading.totalMicros),
      quantity: reading.nodeCount,
      start_at: isoSeconds(reading.window.startAt),
      end_at: isoSeconds(reading.window.endAt),
      instance_type: instanceTypeOf(reading.sku.properties),
      zone: reading.sku.properties.availability_zone ?? '',
    },
    no_quote_reason: null,
  };
}

export function renderV0Procurement(reading: V0ProcurementReading) {
  const { procurement, sku } = reading;
  const zone = sku.properties.availability_zone;
  return {
    object: 'procurement' as const,
    id: procurement.id,
    instance_type: instanceTypeOf(sku.properties),
    status: procurement.enabled ? ('active' as const) : ('disabled' as const),
    desired_quantity: reading.desiredQuantity,
    buy_limit_price_per_gpu_hour: microsToGpuHourCents(procurement.maxBuyMicros),
    sell_limit_price_per_gpu_hour: microsToGpuHourCents(procurement.minSellMicros),
    horizon: procurement.managedWindowMinutes,
    // A procurement buys one SKU, so its nodes are pinned to that SKU's zone.
    colocation_strategy: zone === null ? { type: 'anywhere' as const } : { type: 'pinned' as const, cluster_name: zone },
    last_message: lastMessageOf(procurement.statusState),
  };
}

export function renderV0OffsetList<T>(render: (item: T) => unknown) {
  return (page: OffsetPage<T>) => ({ object: 'list' as const, data: page.data.map(render), has_more: page.has_more });
}

export function renderVmReplacement(replacement: VmReplacement) {
  return { replaced: vmIdOf(replacement.replacedId), replaced_by: vmIdOf(replacement.replacedById) };
}

export function renderV0Order(reading: V0OrderReading, idempotencyKey?: string) {
  const { order, sku } = reading;
  const zone = sku.properties.availability_zone;
  const executed = order.status === 'filled';
  const executionMicros = reading.contracts.reduce((sum, contract) => sum + contract.totalMicros, 0);
  return {
    object: 'order' as const,
    id: order.id,
    side: order.side,
    status: v0OrderStatusOf(order.status),
    instance_type: instanceTypeOf(sku.properties),
    quantity: order.nodeCount,
    start_at: isoSeconds(order.startAt),
    end_at: isoSeconds(order.endAt),
    duration: order.endAt - order.startAt,
    price: v0TotalCents(order.limitMicros, order.nodeCount, order.startAt, order.endAt),
    flags: { ioc: !order.allowStanding, post_only: false, market: false, prorate: false },
    executed,
    executed_at: order.filledAt === null ? null : isoSeconds(order.filledAt),
    ...(executed ? { execution_price: Math.round(executionMicros / microsPerCent) } : {}),
    cancelled: order.status === 'cancelled',
    cancelled_at: order.cancelledAt === null ? null : isoSeconds(order.cancelledAt),
    colocate_with: [],
    created_at: isoSeconds(order.createdAt),
    rejected: order.status === 'rejected',
    rejected_reason: order.rejectedReason,
    ...(zone === null ? {} : { cluster: zone }),
    ...(idempotencyKey === undefined ? {} : { idempotency_key: idempotencyKey }),
  };
}

export function renderV0Cancelled() {
  return { object: 'pending' as const };
}

export function renderV0CancelledAll(count: number) {
  return { object: 'pending' as const, cancelled_count: count };
}

export function renderV0OrderClusters(page: OffsetPage<never>) {
  return { object: 'list' as const, data: page.data, has_more: page.has_more };
}

export function renderV0Balance(balances: Balances) {
  return { object: 'balance' as const, available_balance_cents: toCents(balances.cashMicros), current_balance_cents: toCents(balances.cashMicros + balances.heldMicros) };
}

function renderV0Transaction({ transaction, order }: V0TransactionReading) {
  const type = v0TransactionTypeOf(transaction.type);
  let metadata: Record<string, unknown> = { type: type ?? 'promotional_credit' };
  if (order !== null && (type === 'buy' || type === 'sell')) {
    const window = { quantity: order.order.nodeCount, start_time: isoSeconds(order.order.startAt), end_time: isoSeconds(order.order.endAt), order_id: order.order.id };
    if (type === 'sell') metadata = { type, ...window };
    else {
      const accelerator = order.sku.properties.accelerator?.toUpperCase();
      metadata = {
        type,
        instance_type_requirements: {
          ...(accelerator === 'H100' || accelerator === 'H200' ? { accelerator_types: [accelerator] } : {}),
          interconnect_types: [order.sku.properties.rdma_type === 'infiniband' ? 'Infiniband' : 'None'],
          delivery_type: 'VM',
        },
        ...window,
      };
    }
  }
  return {
    id: formatCursor(cursorPrefixes.transactions, transaction.seq),
    timestamp: new Date(transaction.createdAt * 1000).toISOString(),
    direction: transaction.amountMicros < 0 ? ('outgoing' as const) : ('incoming' as const),
    status: 'accepted' as const,
    amount: Math.abs(toCentsTowardZero(transaction.amountMicros)),
    account_kind: 'primary' as const,
    balance_before: toCents(transaction.balanceAfterMicros - transaction.amountMicros),
    balance_after: toCents(transaction.balanceAfterMicros),
    metadata,
  };
}

export function renderV0Transactions(page: V0TransactionsPage) {
  const times = page.data.map(({ transaction }) => transaction.createdAt);
  const iso = (seconds: number | undefined) => (seconds === undefined ? null : new Date(seconds * 1000).toISOString());
  return {
    object: 'transactions' as const,
    transactions: page.data.map(renderV0Transaction),
    pagination: { has_more: page.has_more, count: page.data.length, oldest_timestamp: iso(times.length === 0 ? undefined : Math.min(...times)), newest_timestamp: iso(times.length === 0 ? undefined : Math.max(...times)) },
  };
}

export function renderV0Instance({ reading, sku }: V0InstanceReading) {
  const { instance } = reading;
  const zone = sku.properties.availability_zone;
  return {
    object: 'instance' as const,
    id: instance.id,
    name: instance.name,
    instance_type: instanceTypeOf(sku.properties),
    status: instance.status,
    ...(zone === null ? {} : { zone }),
    ip: reading.publicIp,
    created_at: isoSeconds(instance.createdAt),
    started_at: instance.startedAt === null ? null : isoSeconds(instance.startedAt),
    ended_at: instance.endedAt === null ? null : isoSeconds(instance.endedAt),
  };
}

export function renderV0Credential(key: SshKey) {
  return { object: 'credential' as const, id: key.id, pubkey: key.publicKey, username: key.username, created_at: isoSeconds(key.createdAt) };
}

export function renderV0Credentials(keys: readonly SshKey[]) {
  return { object: 'list' as const, data: keys.map(renderV0Credential), has_more: false };
}
