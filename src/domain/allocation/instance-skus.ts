// Instance SKUs: interchangeable kinds of node, each a combination of properties (accelerator,
// zone, interconnect, ...). The operator registers them; the market treats the nodes of one SKU
// as one pool for pricing and allocation. This file holds the properties, their display values,
// the property catalog, and the equality filters of the availability list.

export const skuPropertyKeys = [
  'region',
  'availability_zone',
  'accelerator',
  'form_factor',
  'rdma_type',
  'num_accelerators',
  'num_vcpus',
  'memory',
  'local_storage',
  'supports_public_ipv4',
] as const;

export type SkuPropertyKey = (typeof skuPropertyKeys)[number];

export type RdmaType = 'infiniband' | 'roce';

export interface SkuProperties {
  readonly region: string | null;
  readonly availability_zone: string | null;
  readonly accelerator: string | null;
  readonly form_factor: string | null;
  readonly rdma_type: RdmaType | null;
  readonly num_accelerators: number | null;
  readonly num_vcpus: number | null;
  /** Bytes. */
  readonly memory: number | null;
  /** Bytes. */
  readonly local_storage: number | null;
  readonly supports_public_ipv4: boolean | null;
}

export type SkuPropertyValue = string | number | boolean;

/** What the catalog says about each property key. */
export const skuPropertyDescriptions: Readonly<Record<SkuPropertyKey, { readonly displayName: string; readonly description: string }>> = {
  region: { displayName: 'Region', description: 'The geographic region where the hardware is located.' },
  availability_zone: { displayName: 'Availability zone', description: 'An independent failure domain within a region.' },
  accelerator: { displayName: 'Accelerator', description: 'The AI accelerator chip model.' },
  form_factor: { displayName: 'Form factor', description: "The accelerator's physical form factor and host interface." },
  rdma_type: { displayName: 'RDMA type', description: 'The RDMA technology available on the node.' },
  num_accelerators: { displayName: 'Accelerators', description: 'The number of accelerator chips per node.' },
  num_vcpus: { displayName: 'vCPUs', description: 'The number of vCPUs per node, including hyperthreads.' },
  memory: { displayName: 'Memory', description: 'The total system memory per node, in bytes.' },
  local_storage: { displayName: 'Local storage', description: 'The total local storage available to the VM, in bytes.' },
  supports_public_ipv4: { displayName: 'Public IPv4', description: 'Whether the node provides a public IPv4 address.' },
};

const binaryUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < binaryUnits.length - 1) {
    value /= 1024;
    unit++;
  }
  const tenths = Math.round(value * 10);
  return `${Math.floor(tenths / 10)}${tenths % 10 === 0 ? '' : `.${tenths % 10}`} ${binaryUnits[unit]}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** How a property's value reads to a person: `h100` → `H100`, `2199023255552` bytes → `2 TiB`. */
export function displayValue(key: SkuPropertyKey, value: SkuPropertyValue): string {
  switch (key) {
    case 'accelerator':
    case 'form_factor':
      return String(value).toUpperCase();
    case 'availability_zone':
      return capitalize(String(value));
    case 'rdma_type':
      return value === 'infiniband' ? 'InfiniBand' : value === 'roce' ? 'RoCE' : String(value);
    case 'memory':
    case 'local_storage':
      return formatBytes(Number(value));
    case 'supports_public_ipv4':
      return value === true ? 'Yes' : 'No';
    default:
      return String(value);
  }
}

/** Whether a SKU has every property a filter names, with the same value. */
export function skuMatches(properties: SkuProperties, filter: Partial<Record<SkuPropertyKey, SkuPropertyValue>>): boolean {
  return skuPropertyKeys.every((key) => filter[key] === undefined || properties[key] === filter[key]);
}

export interface CatalogValue {
  readonly name: string;
  readonly displayName: string;
  /** When the first SKU with this value was registered. */
  readonly stableAt: number;
}

export interface CatalogEntry {
  readonly key: SkuPropertyKey;
  readonly displayName: string;
  readonly description: string;
  readonly stableAt: number;
  readonly values: readonly CatalogValue[];
}

/**
 * The property catalog: every key, with the values the registered SKUs take, each stable from
 * the registration of the first SKU that took it. Keys no SKU has a value for are left out.
 */
export function propertyCatalog(skus: readonly { readonly properties: SkuProperties; readonly createdAt: number }[]): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  for (const key of skuPropertyKeys) {
    const firstSeen = new Map<string, { value: SkuPropertyValue; at: number }>();
    for (const sku of skus) {
      const value = sku.properties[key];
      if (value === null) continue;
      const name = String(value);
      const seen = firstSeen.get(name);
      if (seen === undefined || sku.createdAt < seen.at) firstSeen.set(name, { value, at: sku.createdAt });
    }
    if (firstSeen.size === 0) continue;
    const values = [...firstSeen.entries()]
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([name, seen]) => ({ name, displayName: displayValue(key, seen.value), stableAt: seen.at }));
    const description = skuPropertyDescriptions[key];
    entries.push({ key, displayName: description.displayName, description: description.description, stableAt: Math.min(...values.map((value) => value.stableAt)), values });
  }
  return entries;
}
