// `GET /v0/quote`: the price of a block of nodes, from the book order previews read. The windows
// the request allows (domain/legacy-v0/quotes.ts) are each tried with the matcher, as
// `order_preview` does (`bestFill`), on the SKUs of the zone asked for (`cluster`), of the
// contract to colocate with, or of the instance type; the window cheapest per node-hour is quoted.

import { type Failure, isFailure } from '../../domain/kernel/failures.js';
import { getV0QuoteOperation } from '../../domain/legacy-v0/operations.js';
import { declaring } from '../kernel/declaring.js';
import { meetsInstanceType, parseInstanceType } from '../../domain/legacy-v0/instance-types.js';
import { betterQuote, parseQuoteQuery, type QuoteQuery, type QuoteSide, type QuoteWindow, quoteWindows } from '../../domain/legacy-v0/quotes.js';
import type { InstanceSkuRecord } from '../../store/allocation.js';
import type { AppContext } from '../kernel/context.js';
import { bestFill } from '../market/orderbook.js';
import { findBoughtContract } from './contracts.js';

export type NoQuoteReason = 'no_matching_clusters' | 'no_availability';

export type QuoteReading =
  | { readonly type: 'quoted'; readonly side: QuoteSide; readonly window: QuoteWindow; readonly nodeCount: number; readonly sku: InstanceSkuRecord; readonly totalMicros: number }
  | { readonly type: 'none'; readonly side: QuoteSide; readonly reason: NoQuoteReason };

export interface QuoteInput extends QuoteQuery {
  readonly instance_type?: string | undefined;
  readonly cluster?: string | undefined;
  readonly colocate_with?: string | undefined;
}

export const getQuote = declaring(getV0QuoteOperation, async function getQuote(context: AppContext, accountId: string, input: QuoteInput): Promise<QuoteReading | Failure> {
  const now = context.clock.now();
  const request = parseQuoteQuery(input, now);
  if (isFailure(request)) return request;
  const instanceType = input.instance_type === undefined || input.instance_type === '' ? null : parseInstanceType(input.instance_type, 'instance_type');
  if (isFailure(instanceType)) return instanceType;
  return context.store.read(async (tx) => {
    let skus = await tx.instanceSkus.listAll();
    if (input.colocate_with !== undefined) {
      const contract = await findBoughtContract(tx, accountId, input.colocate_with, now);
      if (isFailure(contract)) return contract;
      skus = skus.filter((sku) => sku.id === contract.contract.instanceSkuId);
    }
    // A zone decides the SKU: the instance type is not consulted then (the CLI sends h100v with every zone).
    if (input.cluster !== undefined) skus = skus.filter((sku) => sku.properties.availability_zone === input.cluster);
    else if (instanceType !== null) skus = skus.filter((sku) => meetsInstanceType(sku.properties, instanceType));
    if (skus.length === 0) return { type: 'none' as const, side: request.side, reason: 'no_matching_clusters' as const };
    let best: { window: QuoteWindow; sku: InstanceSkuRecord; totalMicros: number } | null = null;
    for (const window of quoteWindows(request)) {
      const limitMicros = request.side === 'buy' ? Number.MAX_SAFE_INTEGER : 0;
      const fill = await bestFill(tx, skus, { side: request.side, ...window, nodeCount: request.nodeCount, limitMicros, excludePoolId: null }, now);
      if (fill === null) continue;
      const candidate = { window, sku: fill.sku, totalMicros: fill.estimate.totalMicros };
      if (best === null || betterQuote(request.side, candidate, best)) best = candidate;
    }
    if (best === null) return { type: 'none' as const, side: request.side, reason: 'no_availability' as const };
    return { type: 'quoted' as const, side: request.side, nodeCount: request.nodeCount, ...best };
  });
});
