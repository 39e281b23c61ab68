// v0 procurements: SF Compute's older procurement, a v2 procurement seen in v0's units. Prices
// are whole cents per GPU-hour (a node has 8 GPUs), the horizon is the managed window in
// minutes, the status is active or disabled, and the colocation strategy says where the nodes
// go: allot holds one SKU per procurement, so `pinned` names its zone and the others let allot
// choose the SKU when the procurement is made.

import { type Failure, invalidField } from '../kernel/failures.js';
import { managedWindowMinutesMax, v0ProcurementNodesMax } from '../kernel/limits.js';
import { microsPerCent, priceTickMicrosPerHour } from '../kernel/money.js';

/** SF Compute's nodes have 8 GPUs; the CLI converts with the same constant. */
export const gpusPerNode = 8;

export type ColocationStrategy =
  | { readonly type: 'anywhere' }
  | { readonly type: 'colocate' }
  | { readonly type: 'colocate-pinned' }
  | { readonly type: 'pinned'; readonly cluster_name: string };

/** A price in whole cents per GPU-hour as micro-dollars per node-hour, rounded down to the price tick. */
export function gpuHourCentsToMicros(cents: number, field: string, minimum: number): number | Failure {
  if (!Number.isSafeInteger(cents) || cents < minimum || cents > 1_000_000_000) return invalidField(field, 'out_of_range', `${field} is a whole number of cents per GPU-hour, at least ${minimum}`);
  return Math.floor((cents * gpusPerNode * microsPerCent) / priceTickMicrosPerHour) * priceTickMicrosPerHour;
}

/** Micro-dollars per node-hour as whole cents per GPU-hour (to the nearest: the tick is far finer). */
export function microsToGpuHourCents(micros: number): number {
  return Math.round(micros / (gpusPerNode * microsPerCent));
}

export function checkDesiredQuantity(quantity: number): Failure | null {
  if (!Number.isSafeInteger(quantity) || quantity < 0 || quantity > v0ProcurementNodesMax) return invalidField('desired_quantity', 'out_of_range', `desired_quantity is a number of nodes from 0 to ${v0ProcurementNodesMax}`);
  return null;
}

export function checkHorizon(minutes: number): Failure | null {
  if (!Number.isSafeInteger(minutes) || minutes < 1 || minutes > managedWindowMinutesMax) return invalidField('horizon', 'out_of_range', `horizon is a number of minutes from 1 to ${managedWindowMinutesMax}`);
  return null;
}

export function checkColocationStrategy(strategy: { readonly type: string; readonly cluster_name?: string | undefined }): ColocationStrategy | Failure {
  switch (strategy.type) {
    case 'anywhere':
    case 'colocate':
    case 'colocate-pinned':
      return { type: strategy.type };
    case 'pinned':
      if (strategy.cluster_name === undefined || strategy.cluster_name === '') return invalidField('colocation_strategy.cluster_name', 'missing', 'A pinned procurement names its zone in cluster_name');
      return { type: 'pinned', cluster_name: strategy.cluster_name };
    default:
      return invalidField('colocation_strategy.type', 'invalid_type', `colocation_strategy.type is anywhere, colocate, colocate-pinned or pinned, not "${strategy.type}"`);
  }
}

/** What v0 shows of a procurement's last run: out of money, or running. */
export function lastMessageOf(statusState: 'info' | 'warning' | 'error'): 'insufficient_balance' | 'running' {
  return statusState === 'error' ? 'insufficient_balance' : 'running';
}
