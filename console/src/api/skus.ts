// The instance SKU catalogue, read once per view for names: pools and the order book name SKUs
// by id only.

import type { Api } from './client.ts';
import type { InstanceSku, List } from './types.ts';
import { type Resource, useResource } from './use-resource.ts';

/** Every SKU (the catalogue is small: one page of the largest size). */
export function useInstanceSkus(api: Api): Resource<readonly InstanceSku[]> {
  return useResource(async () => (await api<List<InstanceSku>>('/preview/v2/instance_skus', { query: { limit: 200 } })).data, [api], 60);
}

export function skuName(skus: readonly InstanceSku[] | undefined, id: string): string {
  return skus?.find((sku) => sku.id === id)?.alias ?? id;
}

/** The SKUs as choices for a drop-down, by alias. */
export function skuChoices(skus: readonly InstanceSku[]): { value: string; label: string }[] {
  return skus.map((sku) => ({ value: sku.id, label: sku.alias }));
}
