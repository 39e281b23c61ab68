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
import { microsPerCent } from '../../domain/kernel/money.js';

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
