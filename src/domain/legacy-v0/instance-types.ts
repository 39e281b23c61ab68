// The v0 API's instance types: the names the legacy `sf` CLI and SF Compute's market-api give to
// kinds of node (`h100i`, `h100v`, `h200ki`, `h200v`), mapped onto allot's instance SKUs by their
// properties. A type is an accelerator and, for the `i` types, InfiniBand: `h100v` is any H100
// node (every allot node is a VM), `h100i` an H100 node with InfiniBand. A SKU is shown as the
// narrowest type it meets. docs/decisions.md has the table.

import type { SkuProperties } from '../allocation/instance-skus.js';
import { type Failure, invalidField } from '../kernel/failures.js';

interface InstanceTypeRule {
  readonly accelerator: string;
  readonly infiniband: boolean;
}

export const instanceTypeRules: Readonly<Record<string, InstanceTypeRule>> = {
  h100i: { accelerator: 'h100', infiniband: true },
  h100v: { accelerator: 'h100', infiniband: false },
  h200ki: { accelerator: 'h200', infiniband: true },
  h200v: { accelerator: 'h200', infiniband: false },
};

export const instanceTypeNames = Object.keys(instanceTypeRules);

/** Checks an instance type named in a request. */
export function parseInstanceType(text: string, field: string): string | Failure {
  const name = text.trim().toLowerCase();
  if (instanceTypeRules[name] === undefined) return invalidField(field, 'unknown_instance_type', `"${text}" is not an instance type; allot knows ${instanceTypeNames.join(', ')}`);
  return name;
}

/** Whether a SKU's nodes are of this (checked) instance type: its accelerator, and InfiniBand when the type asks for it. */
export function meetsInstanceType(properties: SkuProperties, instanceType: string): boolean {
  const rule = instanceTypeRules[instanceType];
  if (rule === undefined) return false;
  if (properties.accelerator?.toLowerCase() !== rule.accelerator) return false;
  return !rule.infiniband || properties.rdma_type === 'infiniband';
}

/** The instance type a SKU is shown as: `<accelerator>i` (`h200ki` for H200) with InfiniBand, `<accelerator>v` without; the accelerator itself when v0 has no name for it. */
export function instanceTypeOf(properties: SkuProperties): string {
  const accelerator = (properties.accelerator ?? 'unknown').toLowerCase();
  const infiniband = properties.rdma_type === 'infiniband';
  for (const [name, rule] of Object.entries(instanceTypeRules)) {
    if (rule.accelerator === accelerator && rule.infiniband === infiniband) return name;
  }
  return accelerator;
}
