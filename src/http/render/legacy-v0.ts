// How the `/v0` API shows allot's state: ISO times, cents, instance types and zones from SKUs.

import type { Page } from '../../domain/kernel/pagination.js';
import { contractShape } from '../../domain/legacy-v0/contracts.js';
import { instanceTypeOf } from '../../domain/legacy-v0/instance-types.js';
import { quotePriceCents } from '../../domain/legacy-v0/quotes.js';
import { isoSeconds } from '../../domain/legacy-v0/times.js';
import type { ContractReading } from '../../app/legacy-v0/contracts.js';
import type { QuoteReading } from '../../app/legacy-v0/quotes.js';

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
