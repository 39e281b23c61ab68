// Requirements: filters on instance SKU properties, as the order book's query string gives them
// (`accelerator:h100,h200;availability_zone:richmond`, optionally `key:eq:value` or
// `key:in:v1,v2`) and as order previews give them (`{"accelerator": ["h100"]}`). Values match
// case-insensitively. `accelerator_type` and `zone` are accepted for `accelerator` and
// `availability_zone`, as SF Compute's docs write them.

import { type Failure, invalidField } from '../kernel/failures.js';
import { type SkuProperties, type SkuPropertyKey, skuPropertyKeys } from '../allocation/instance-skus.js';

/** Each key with the values any of which it may take. */
export type Requirements = ReadonlyMap<SkuPropertyKey, readonly string[]>;

const aliases: Readonly<Record<string, SkuPropertyKey>> = { accelerator_type: 'accelerator', zone: 'availability_zone', interconnect_type: 'rdma_type' };

function keyOf(name: string): SkuPropertyKey | null {
  const key = aliases[name] ?? name;
  return (skuPropertyKeys as readonly string[]).includes(key) ? (key as SkuPropertyKey) : null;
}

export function requirementsFromMap(map: Readonly<Record<string, readonly string[]>>, field: string): Requirements | Failure {
  const requirements = new Map<SkuPropertyKey, string[]>();
  for (const [name, values] of Object.entries(map)) {
    const key = keyOf(name);
    if (key === null) return invalidField(`${field}.${name}`, 'unknown_property', `"${name}" is not an instance SKU property; see GET /preview/v2/instance_sku_property_catalog`);
    requirements.set(key, values.map((value) => value.toLowerCase()));
  }
  return requirements;
}

export function parseRequirements(text: string | undefined, field = 'requirements'): Requirements | Failure {
  const map: Record<string, string[]> = {};
  for (const clause of (text ?? '').split(';').filter((part) => part.trim() !== '')) {
    const parts = clause.split(':');
    let name: string;
    let values: string;
    if (parts.length === 2) [name, values] = parts as [string, string];
    else if (parts.length === 3 && (parts[1] === 'eq' || parts[1] === 'in')) [name, , values] = parts as [string, string, string];
    else return invalidField(field, 'invalid_format', `"${clause}" is not key:value, key:eq:value or key:in:v1,v2`);
    map[name.trim()] = values.split(',').map((value) => value.trim()).filter((value) => value !== '');
  }
  return requirementsFromMap(map, field);
}

export function meetsRequirements(properties: SkuProperties, requirements: Requirements): boolean {
  for (const [key, values] of requirements) {
    const value = properties[key];
    if (value === null || !values.includes(String(value).toLowerCase())) return false;
  }
  return true;
}

/** The map form, for responses. */
export function requirementsAsMap(requirements: Requirements): Record<string, string[]> {
  return Object.fromEntries([...requirements].map(([key, values]) => [key, [...values]]));
}
