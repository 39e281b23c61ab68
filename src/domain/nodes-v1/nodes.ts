// The v1 nodes API's rules: a node is one machine's reservation with its VMs, a view over a pool,
// its orders or procurement, and its instances. Names, prices in cents, reserved windows on the
// hour, zones from the SKU catalogue, and the statuses a node and its VMs show.

import { type Failure, type FailureDetail, fail, invalidField } from '../kernel/failures.js';
import type { SkuProperties } from '../allocation/instance-skus.js';
import { nodeNameLengthMax, nodesPerRequestMax } from '../kernel/limits.js';
import { centsToMicros, priceTickMicrosPerHour } from '../kernel/money.js';
import { isValidName } from '../kernel/names.js';
import type { InstanceStatus } from '../compute/placement.js';
import { floorToMinute, hourSeconds } from '../kernel/schedule.js';

export type NodeType = 'reserved' | 'autoreserved';
export type NodeStatus = 'pending' | 'awaitingcapacity' | 'running' | 'released' | 'terminated' | 'deleted' | 'failed' | 'unknown';
export type VmStatus = 'Pending' | 'Running' | 'Destroyed' | 'NodeFailure' | 'Unspecified';


/**
 * The names of the nodes a request creates: one per node when given, each a valid name that
 * does not look like an id (`vm_…`, `n_…`) or a number, at most 128 characters, no two alike.
 */
export function checkNodeNames(names: readonly string[] | undefined, count: number): Failure | null {
  if (!Number.isInteger(count) || count < 1 || count > nodesPerRequestMax) {
    return invalidField('desired_count', 'out_of_range', `desired_count must be from 1 to ${nodesPerRequestMax}`);
  }
  if (names === undefined) return null;
  if (names.length !== count) return invalidField('names', 'count_mismatch', `names must hold one name per node: ${count}, not ${names.length}`);
  const details: FailureDetail[] = [];
  names.forEach((name, index) => {
    const problem = nodeNameProblem(name);
    if (problem !== null) details.push({ field: `names.${index}`, code: 'invalid_name', message: `"${name}": ${problem}` });
    else if (names.indexOf(name) !== index) details.push({ field: `names.${index}`, code: 'duplicate', message: `"${name}" is given twice` });
  });
  return details.length === 0 ? null : fail('invalid_request', `Invalid node names: ${details.map((detail) => detail.message).join('; ')}`, details);
}

function nodeNameProblem(name: string): string | null {
  if (name.length > nodeNameLengthMax) return `names may be at most ${nodeNameLengthMax} characters`;
  if (name.startsWith('vm_') || name.startsWith('n_')) return 'names may not begin with "vm_" or "n_", which ids use';
  if (/^\d+$/.test(name)) return 'names may not be numbers';
  if (!isValidName(name)) return 'names are letters, digits, ".", "_" and "-", starting with a letter or digit';
  return null;
}

/** A max price in whole cents per node-hour, as micro-dollars, rounded down to the price tick so it is never exceeded. */
export function maxPriceMicros(cents: number, field: string): number | Failure {
  if (!Number.isSafeInteger(cents) || cents < 1) return invalidField(field, 'out_of_range', `${field} is a whole number of cents per node-hour, at least 1`);
  return Math.floor(centsToMicros(cents) / priceTickMicrosPerHour) * priceTickMicrosPerHour;
}

/**
 * A reserved node's window: from now (no `start_at`, or one not in the future), which is the
 * current minute, or from a later `start_at` on any whole minute; to an `end_at` on the hour
 * after it (only the end must be on the hour, as SF Compute documents).
 */
/**
 * An autoreserved node's start: now when `start_at` is omitted or not in the future (null),
 * otherwise that whole minute, from which its procurement buys.
 */
export function autoreservedStart(startAt: number | undefined, now: number): number | null | Failure {
  if (startAt === undefined || startAt <= now) return null;
  if (startAt % 60 !== 0) return invalidField('start_at', 'misaligned', 'start_at must be now (omitted) or a whole minute');
  return startAt;
}

export function reservedWindow(startAt: number | undefined, endAt: number, now: number): { readonly startAt: number; readonly endAt: number } | Failure {
  const currentMinute = floorToMinute(now);
  const start = startAt === undefined || startAt <= now ? currentMinute : startAt;
  if (start % 60 !== 0) return invalidField('start_at', 'misaligned', 'start_at must be now (omitted) or a whole minute');
  if (endAt % hourSeconds !== 0) return invalidField('end_at', 'misaligned', 'end_at must be on the hour');
  if (endAt <= start) return invalidField('end_at', 'invalid_range', `end_at must be after the start (${start})`);
  return { startAt: start, endAt };
}

/** An extension: whole hours, at least one. */
export function checkExtension(durationSeconds: number): Failure | null {
  if (!Number.isSafeInteger(durationSeconds) || durationSeconds < hourSeconds || durationSeconds % hourSeconds !== 0) {
    return invalidField('duration_seconds', 'out_of_range', 'duration_seconds must be a whole number of hours, at least 3600');
  }
  return null;
}

export function vmStatusOf(status: InstanceStatus): VmStatus {
  switch (status) {
    case 'awaiting_allocation':
      return 'Pending';
    case 'running':
      return 'Running';
    case 'terminated':
      return 'Destroyed';
    case 'failed':
      return 'NodeFailure';
  }
}

/** What a node's status depends on. */
export interface NodeState {
  readonly nodeType: NodeType;
  readonly deleted: boolean;
  readonly released: boolean;
  readonly startAt: number | null;
  /** Its latest VM's status, or null before it has one. */
  readonly vm: InstanceStatus | null;
}

/**
 * A node's status. Reserved: `pending` before its start, `running` while its VM runs,
 * `awaitingcapacity` when the VM waits after the start, `terminated` once the VM has ended.
 * Autoreserved: `running`, or `awaitingcapacity` while its procurement finds no capacity at its
 * price; once released, `released` for good — while the VM runs out what was bought and after
 * (the SDK has no other status for a released node, and the CLI deletes an autoreserved node
 * only while it is `released`). `failed` when the VM failed before release; `deleted` after
 * deletion.
 */
export function nodeStatus(state: NodeState, now: number): NodeStatus {
  if (state.deleted) return 'deleted';
  if (state.released) return 'released';
  if (state.vm === 'failed') return 'failed';
  if (state.vm === 'running') return 'running';
  if (state.vm === 'awaiting_allocation') return state.startAt !== null && now < state.startAt ? 'pending' : 'awaitingcapacity';
  if (state.vm === null) return 'pending';
  return 'terminated';
}

/** What a zone is, from its SKU: v1 knows H100 and H200 VM nodes only. */
export interface ZoneFacts {
  readonly name: string;
  readonly displayName: string;
  readonly region: 'NorthAmerica' | 'AsiaPacific' | 'EuropeMiddleEastAfrica';
  readonly hardwareType: 'H100' | 'H200';
  readonly interconnectType: 'Infiniband' | 'None';
}

/** The zone a SKU stands for, or null when v1 cannot show it (no zone, or another accelerator). */
export function zoneOf(properties: SkuProperties): ZoneFacts | null {
  const zone = properties.availability_zone;
  const accelerator = properties.accelerator?.toLowerCase();
  if (zone === null || (accelerator !== 'h100' && accelerator !== 'h200')) return null;
  const region = (properties.region ?? '').toLowerCase();
  return {
    name: zone,
    displayName: zone
      .split(/[-_]/)
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(' '),
    region: /^(ap|asia)/.test(region) ? 'AsiaPacific' : /^(eu|me|af)/.test(region) ? 'EuropeMiddleEastAfrica' : 'NorthAmerica',
    hardwareType: accelerator === 'h100' ? 'H100' : 'H200',
    interconnectType: properties.rdma_type === 'infiniband' ? 'Infiniband' : 'None',
  };
}
