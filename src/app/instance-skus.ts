// Instance SKUs: the operator registers them; accounts list them, read the property catalog, and
// see what is available to buy: what the SKU's resting sells still offer from the current minute.

import { fail, type Failure, isFailure } from '../domain/failures.js';
import { type CatalogEntry, propertyCatalog, type SkuProperties, type SkuPropertyKey, type SkuPropertyValue, skuMatches } from '../domain/instance-skus.js';
import { cursorPrefixes, type Page, type PageQuery, pageRows, parsePageQuery, toPage } from '../domain/pagination.js';
import type { InstanceSkuRecord } from '../store/store.js';
import { findInstanceSku } from './allocation.js';
import { type AppContext, newId } from './context.js';
import { type SkuSupply, supplyOf } from './orderbook.js';

export interface RegisterInstanceSkuInput extends Partial<SkuProperties> {
  readonly alias: string;
}

export async function registerInstanceSku(context: AppContext, input: RegisterInstanceSkuInput): Promise<InstanceSkuRecord | Failure> {
  const now = context.clock.now();
  const properties: SkuProperties = {
    region: input.region ?? null,
    availability_zone: input.availability_zone ?? null,
    accelerator: input.accelerator ?? null,
    form_factor: input.form_factor ?? null,
    rdma_type: input.rdma_type ?? null,
    num_accelerators: input.num_accelerators ?? null,
    num_vcpus: input.num_vcpus ?? null,
    memory: input.memory ?? null,
    local_storage: input.local_storage ?? null,
    supports_public_ipv4: input.supports_public_ipv4 ?? null,
  };
  return context.store.transaction(async (tx) => {
    const sku = { id: newId(context, 'instanceSku'), alias: input.alias, properties, createdAt: now };
    if ((await tx.instanceSkus.insert(sku)) === 'name_taken') return fail('name_taken', `An instance SKU with alias "${input.alias}" already exists`);
    return (await tx.instanceSkus.findById(sku.id))!;
  });
}

export async function listInstanceSkus(context: AppContext, query: PageQuery): Promise<Page<InstanceSkuRecord> | Failure> {
  const page = parsePageQuery(cursorPrefixes.instanceSkus, query);
  if (isFailure(page)) return page;
  const rows = await context.store.read((tx) => tx.instanceSkus.list(page));
  return toPage(cursorPrefixes.instanceSkus, page, rows);
}

export async function getInstanceSku(context: AppContext, reference: string): Promise<InstanceSkuRecord | Failure> {
  return context.store.read((tx) => findInstanceSku(tx, reference));
}

/** Catalog entries carry their position as `seq`, so that the catalog pages like any list. */
export type CatalogPageEntry = CatalogEntry & { readonly seq: number };

export async function listPropertyCatalog(context: AppContext, query: PageQuery): Promise<Page<CatalogPageEntry> | Failure> {
  const prefix = cursorPrefixes.instanceSkuProperties;
  const page = parsePageQuery(prefix, query);
  if (isFailure(page)) return page;
  const catalog = propertyCatalog(await context.store.read((tx) => tx.instanceSkus.listAll()));
  const entries = catalog.map((entry, index) => ({ ...entry, seq: catalog.length - index }));
  return toPage(prefix, page, pageRows(entries, page));
}

export interface SkuAvailability extends SkuSupply {
  readonly seq: number;
}

export type AvailabilityFilter = Partial<Record<SkuPropertyKey, SkuPropertyValue>> & { readonly id?: string | undefined };

export async function listAvailability(context: AppContext, filter: AvailabilityFilter, query: PageQuery): Promise<Page<SkuAvailability> | Failure> {
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
}

export async function getAvailability(context: AppContext, reference: string): Promise<SkuAvailability | Failure> {
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    const sku = await findInstanceSku(tx, reference, 'id');
    if (isFailure(sku)) return sku;
    const [supply] = await supplyOf(tx, [sku], now);
    return { ...supply!, seq: sku.seq };
  });
}
