// `/v0/zones`: the v1 view of the SKU catalogue. A zone is an availability zone with H100 or
// H200 nodes; its capacity is what the market offers of its SKU from the current minute on.

import { fail, type Failure } from '../../domain/kernel/failures.js';
import { getZoneOperation } from '../../domain/nodes-v1/operations.js';
import { declaring } from '../kernel/declaring.js';
import { type ZoneFacts, zoneOf } from '../../domain/nodes-v1/nodes.js';
import type { Schedule } from '../../domain/kernel/schedule.js';
import type { InstanceSkuRecord } from '../../store/allocation.js';
import type { Tx } from '../../store/store.js';
import type { AppContext } from '../kernel/context.js';
import { supplyOf } from '../market/orderbook.js';

/** The SKUs v1 shows as zones: per zone name, the first SKU registered in it. */
export async function zoneSkus(tx: Tx): Promise<InstanceSkuRecord[]> {
  const byZone = new Map<string, InstanceSkuRecord>();
  for (const sku of (await tx.instanceSkus.listAll()).reverse()) {
    const zone = zoneOf(sku.properties);
    if (zone !== null && !byZone.has(zone.name)) byZone.set(zone.name, sku);
  }
  return [...byZone.values()];
}

export interface ZoneReading {
  readonly zone: ZoneFacts;
  /** Nodes for sale over time, from `from`. */
  readonly capacity: Schedule;
  readonly from: number;
}

export async function listZones(context: AppContext): Promise<ZoneReading[]> {
  const now = context.clock.now();
  return context.store.read(async (tx) => (await supplyOf(tx, await zoneSkus(tx), now)).map(({ sku, schedule, from }) => ({ zone: zoneOf(sku.properties)!, capacity: schedule, from })));
}

export const getZone = declaring(getZoneOperation, async function getZone(context: AppContext, name: string): Promise<ZoneReading | Failure> {
  const zone = (await listZones(context)).find((reading) => reading.zone.name === name);
  return zone ?? fail('zone_not_found', `No zone "${name}"`);
});
