// Instance SKUs, the unit allocation is counted in: the operator registers them; accounts list
// them and read the property catalog.

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { getInstanceSkuOperation, listInstanceSkusOperation, listPropertyCatalogOperation, registerInstanceSkuOperation } from '../../domain/allocation/operations.js';
import { declaring } from '../kernel/declaring.js';
import { type CatalogEntry, propertyCatalog, type SkuProperties } from '../../domain/allocation/instance-skus.js';
import { parseId } from '../../domain/kernel/ids.js';
import { cursorPrefixes, type Page, type PageQuery, pageRows, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import type { InstanceSkuRecord } from '../../store/allocation.js';
import type { Tx } from '../../store/store.js';
import { type AppContext, newId } from '../kernel/context.js';

/** Finds an instance SKU by id (`isku_`, legacy `clus_`); `field` names the request field in the failure. */
export async function findInstanceSku(tx: Tx, reference: string, field = 'instance_sku'): Promise<InstanceSkuRecord | Failure> {
  const id = parseId('instanceSku', reference);
  const sku = id === null ? undefined : await tx.instanceSkus.findById(id);
  return sku ?? fail('instance_sku_not_found', `No instance SKU "${reference}"`, [{ field, code: 'not_found', message: `No instance SKU "${reference}"` }]);
}

export interface RegisterInstanceSkuInput extends Partial<SkuProperties> {
  readonly alias: string;
}

export const registerInstanceSku = declaring(registerInstanceSkuOperation, async function registerInstanceSku(context: AppContext, input: RegisterInstanceSkuInput): Promise<InstanceSkuRecord | Failure> {
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
});

export const listInstanceSkus = declaring(listInstanceSkusOperation, async function listInstanceSkus(context: AppContext, query: PageQuery): Promise<Page<InstanceSkuRecord> | Failure> {
  const page = parsePageQuery(cursorPrefixes.instanceSkus, query);
  if (isFailure(page)) return page;
  const rows = await context.store.read((tx) => tx.instanceSkus.list(page));
  return toPage(cursorPrefixes.instanceSkus, page, rows);
});

export const getInstanceSku = declaring(getInstanceSkuOperation, async function getInstanceSku(context: AppContext, reference: string): Promise<InstanceSkuRecord | Failure> {
  return context.store.read((tx) => findInstanceSku(tx, reference));
});

/** Catalog entries carry their position as `seq`, so that the catalog pages like any list. */
export type CatalogPageEntry = CatalogEntry & { readonly seq: number };

export const listPropertyCatalog = declaring(listPropertyCatalogOperation, async function listPropertyCatalog(context: AppContext, query: PageQuery): Promise<Page<CatalogPageEntry> | Failure> {
  const prefix = cursorPrefixes.instanceSkuProperties;
  const page = parsePageQuery(prefix, query);
  if (isFailure(page)) return page;
  const catalog = propertyCatalog(await context.store.read((tx) => tx.instanceSkus.listAll()));
  const entries = catalog.map((entry, index) => ({ ...entry, seq: catalog.length - index }));
  return toPage(prefix, page, pageRows(entries, page));
});
