// Which instances run. For each pool and SKU, at every moment, running instances never exceed
// the pool's allocation. Instances are kept in *keep order* — priority (critical, preferred,
// normal, yield), then older first, then id — and:
//
// ("Older" is by creation time, then by order of creation within the same second.)
//
// - when allocation drops below the running count, running instances are terminated from the
//   end of the keep order (never put back to wait);
// - awaiting instances start in keep order while allocation is free;
// - a running `yield` instance gives way to an awaiting instance of higher priority;
// - terminated and failed instances never run again.

import { nextBoundary, type Schedule, valueAt } from '../kernel/schedule.js';

export const instancePriorities = ['yield', 'normal', 'preferred', 'critical'] as const;
export type InstancePriority = (typeof instancePriorities)[number];

export const instanceStatuses = ['awaiting_allocation', 'running', 'terminated', 'failed'] as const;
export type InstanceStatus = (typeof instanceStatuses)[number];

export function isLive(status: InstanceStatus): boolean {
  return status === 'awaiting_allocation' || status === 'running';
}

/** What placement needs to know of an instance. */
export interface Placeable {
  readonly id: string;
  readonly priority: InstancePriority;
  readonly createdAt: number;
  /** Creation order, to tell apart instances created in the same second. */
  readonly seq?: number;
  readonly status: InstanceStatus;
}

const priorityRank: Readonly<Record<InstancePriority, number>> = { critical: 0, preferred: 1, normal: 2, yield: 3 };

/** Keep order: higher priority first, then older, then by id. */
export function compareKeepOrder(a: Placeable, b: Placeable): number {
  return priorityRank[a.priority] - priorityRank[b.priority] || a.createdAt - b.createdAt || (a.seq ?? 0) - (b.seq ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export interface PlacementDecision {
  /** Awaiting instances to start now, in keep order. */
  readonly start: readonly string[];
  /** Running instances to terminate now. */
  readonly terminate: readonly string[];
}

/** Decides what starts and what ends, given the instances of one pool and SKU and the allocation now. */
export function place(instances: readonly Placeable[], allocation: number): PlacementDecision {
  const running = instances.filter((instance) => instance.status === 'running').sort(compareKeepOrder);
  const awaiting = instances.filter((instance) => instance.status === 'awaiting_allocation').sort(compareKeepOrder);
  const capacity = Math.max(0, allocation);
  const terminate = running.splice(capacity).map((instance) => instance.id);

  const start: string[] = [];
  let waiting = 0;
  while (running.length < capacity && waiting < awaiting.length) {
    const next = awaiting[waiting++]!;
    start.push(next.id);
    running.push(next);
  }
  // Running yield instances give way to awaiting instances of higher priority, lowest first.
  const yielding = running.filter((instance) => instance.priority === 'yield' && !start.includes(instance.id)).sort(compareKeepOrder).reverse();
  for (const claimant of awaiting.slice(waiting)) {
    if (claimant.priority === 'yield') break;
    const givesWay = yielding.shift();
    if (givesWay === undefined) break;
    terminate.push(givesWay.id);
    start.push(claimant.id);
  }
  return { start, terminate };
}

/**
 * What brings a deployment to its target: how many instances to create awaiting allocation when
 * it has too few live ones, and which to end when it has too many — awaiting ones first, then
 * running ones, each from the end of the keep order.
 */
export function deploymentAdjustment(targetInstanceCount: number, live: readonly Placeable[]): { readonly create: number; readonly end: readonly string[] } {
  const missing = targetInstanceCount - live.length;
  if (missing >= 0) return { create: missing, end: [] };
  const lastFirst = (instances: Placeable[]) => instances.sort(compareKeepOrder).reverse();
  const surplus = [...lastFirst(live.filter((instance) => instance.status === 'awaiting_allocation')), ...lastFirst(live.filter((instance) => instance.status === 'running'))];
  return { create: 0, end: surplus.slice(0, -missing).map((instance) => instance.id) };
}

/**
 * One transaction's share of a deployment's adjustment: at most `batch` instances created or
 * ended, the first of what `deploymentAdjustment` names (so the surplus still ends in its order),
 * and whether more remains for a later transaction.
 */
export function deploymentStep(targetInstanceCount: number, live: readonly Placeable[], batch: number): { readonly create: number; readonly end: readonly string[]; readonly more: boolean } {
  const { create, end } = deploymentAdjustment(targetInstanceCount, live);
  return { create: Math.min(create, batch), end: end.slice(0, batch), more: create > batch || end.length > batch };
}

/**
 * What placement may start and end while deployments are being deleted (`deleted`): an instance
 * awaiting allocation of a deleted deployment never starts, as the deletion ends it a batch at a
 * time; its running instances hold their allocation until they end.
 */
export function withoutDeletedAwaiting<T extends Placeable & { readonly deploymentId: string | null }>(instances: readonly T[], deleted: ReadonlySet<string>): T[] {
  return instances.filter((instance) => instance.status !== 'awaiting_allocation' || instance.deploymentId === null || !deleted.has(instance.deploymentId));
}

/** The deployments that lost instances a placement terminates: they may replace them. */
export function bereavedDeployments(instances: readonly { readonly id: string; readonly deploymentId: string | null }[], terminated: readonly string[]): Set<string> {
  const ended = new Set(terminated);
  return new Set(instances.filter((instance) => ended.has(instance.id) && instance.deploymentId !== null).map((instance) => instance.deploymentId!));
}

/**
 * When a running instance will be shut down for want of allocation, as seed 003 describes: for
 * the instance at keep rank `rank` (1 for the first) among the running ones, the first future
 * boundary where allocation falls below `rank`, looking only until the first future increase of
 * allocation (after which the prediction no longer holds); otherwise null.
 */
export function expectedShutdownAt(schedule: Schedule, rank: number, now: number): number | null {
  let previous = valueAt(schedule, now);
  for (let boundary = nextBoundary(schedule, now); boundary !== null; boundary = nextBoundary(schedule, boundary)) {
    const value = valueAt(schedule, boundary);
    if (value > previous) return null;
    if (value < rank) return boundary;
    previous = value;
  }
  return null;
}
