// What each instance SKU has for sale: what its resting sells still offer from the current
// minute, read from the book.

import { type Failure, isFailure } from '../../domain/kernel/failures.js';
import { getAvailabilityOperation, listAvailabilityOperation } from '../../domain/market/operations.js';
import { declaring } from '../kernel/declaring.js';
import { type SkuPropertyKey, type SkuPropertyValue, skuMatches } from '../../domain/allocation/instance-skus.js';
import { cursorPrefixes, type Page, type PageQuery, pageRows, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { findInstanceSku } from '../allocation/instance-skus.js';
import { type AppContext } from '../kernel/context.js';
import { type SkuSupply, supplyOf } from './orderbook.js';

export interface SkuAvailability extends SkuSupply {
  readonly seq: number;
}

export type AvailabilityFilter = Partial<Record<SkuPropertyKey, SkuPropertyValue>> & { readonly id?: string | undefined };

export const listAvailability = declaring(listAvailabilityOperation, async function listAvailability(context: AppContext, filter: AvailabilityFilter, query: PageQuery): Promise<Page<SkuAvailability> | Failure> {
  const page = parsePageQuery(cursorPrefixes.instanceSkus, query);
  if (isFailure(page)) return page;
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    let skus = (await tx.instanceSkus.listAll()).filter((sku) => skuMatches(sku.properties, filter));
    if (filter.id !== undefined) {
      const only = await findInstanceSku(tx, filter.id, 'id');
      skus = isFailure(only) ? [] : skus.filter((sku) => sku.id === only.id);
    }
    const rows = (await supplyOf(tx, pageRows(skus, page), now)).map((supply) => ({ ...supply, seq: supply.sku.seq }));
    return toPage(cursorPrefixes.instanceSkus, page, rows);
  });
});

export const getAvailability = declaring(getAvailabilityOperation, async function getAvailability(context: AppContext, reference: string): Promise<SkuAvailability | Failure> {
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    const sku = await findInstanceSku(tx, reference, 'id');
    if (isFailure(sku)) return sku;
    const [supply] = await supplyOf(tx, [sku], now);
    return { ...supply!, seq: sku.seq };
  });
});
