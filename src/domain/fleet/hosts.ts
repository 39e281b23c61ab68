// The rules of hosts, the machines of the fleet: what an agent may say of its host when it
// registers, what a host's status is at a time (removed, down, draining, cordoned, ready), when a
// heartbeat is too old, a maintenance window's rules, and the node-time a host supplies.

import { fail, type Failure, invalidField } from '../kernel/failures.js';
import { isMinuteAligned, minuteSeconds, normalize, type Schedule, type Step } from '../kernel/schedule.js';
import type { SkuProperties } from '../allocation/instance-skus.js';

export const hostStatuses = ['ready', 'cordoned', 'draining', 'down', 'removed'] as const;
export type HostStatus = (typeof hostStatuses)[number];

/** What an agent's drivers say a guest is doing (as `RunState` in providers/driver.ts). */
export const reportedRunStates = ['starting', 'running', 'stopping', 'stopped', 'failed'] as const;
export type ReportedRunState = (typeof reportedRunStates)[number];

export const hostDrivers = ['simulated', 'sandbox', 'qemu'] as const;
export type HostDriver = (typeof hostDrivers)[number];

export interface Accelerator {
  readonly model: string;
  readonly count: number;
}

export interface HostKey {
  readonly keyType: string;
  readonly key: string;
}

/** What decides a host's status. */
export interface HostCondition {
  readonly removedAt: number | null;
  readonly downAt: number | null;
  readonly cordonedAt: number | null;
  readonly maintenanceStartAt: number | null;
  readonly maintenanceEndAt: number | null;
}

/** The status at `now`: removed, else down, else draining (a window not over), else cordoned, else ready. */
export function hostStatus(host: HostCondition, now: number): HostStatus {
  if (host.removedAt !== null) return 'removed';
  if (host.downAt !== null) return 'down';
  if (host.maintenanceEndAt !== null && now < host.maintenanceEndAt) return 'draining';
  if (host.cordonedAt !== null) return 'cordoned';
  return 'ready';
}

/** Whether a heartbeat at `lastHeartbeatAt` is too old at `now`: older than `downAfterSeconds`. */
export function heartbeatStale(lastHeartbeatAt: number, now: number, downAfterSeconds: number): boolean {
  return now - lastHeartbeatAt > downAfterSeconds;
}

/**
 * Whether a host has been silent too long to be trusted at `now`: its last heartbeat, or the
 * moment allot began watching the fleet without a break (whichever is later), is older than
 * `downAfterSeconds`. Allot's own outage (a restart, a lost database, a new leader) is not the
 * hosts' silence: their agents could not reach it either, so each gets `down_after` from the
 * moment allot watches again to be heard.
 */
export function silentTooLong(lastHeartbeatAt: number, watchingSince: number, now: number, downAfterSeconds: number): boolean {
  return heartbeatStale(Math.max(lastHeartbeatAt, watchingSince), now, downAfterSeconds);
}

/**
 * An agent's time on allot's clock. The two clocks need not agree (a host without NTP, or
 * allot's manual clock): a time the agent reports is read as its age when the heartbeat was sent
 * (`sentAt`, on the agent's clock), counted back from allot's now when the heartbeat arrived
 * (transit counts as none), and kept between `floor` (nothing on the host precedes what allot
 * asked for) and now (nothing is in allot's future).
 */
export function agentTimeOnAllotClock(agentTime: number, sentAt: number, now: number, floor: number): number {
  return Math.min(now, Math.max(floor, now - Math.max(0, sentAt - agentTime)));
}

/** Whether a heartbeat was sent before one already heard (a retry a newer heartbeat overtook): what it reports is older than what is recorded. */
export function heartbeatOvertaken(sentAt: number | null, lastSentAt: number | null): boolean {
  return sentAt !== null && lastSentAt !== null && sentAt < lastSentAt;
}

/**
 * An instance's times once its guest's are known (all on allot's clock): it started when its
 * guest did (never before allot started it), and ended at the earlier of allot's end and its
 * guest's (a guest that crashed ended then, not when allot heard; one allot stopped ended, for its
 * buyer, when allot ended it), never before it started. Answers only what changes.
 */
export function instanceTimesFromGuest(instance: { readonly startedAt: number | null; readonly endedAt: number | null }, guest: { readonly startedAt: number | null; readonly endedAt: number | null }): { startedAt?: number; endedAt?: number } {
  const changes: { startedAt?: number; endedAt?: number } = {};
  let startedAt = instance.startedAt;
  if (startedAt !== null && guest.startedAt !== null && guest.startedAt > startedAt && (instance.endedAt === null || guest.startedAt <= instance.endedAt)) {
    startedAt = guest.startedAt;
    changes.startedAt = startedAt;
  }
  if (startedAt !== null && instance.endedAt !== null && guest.endedAt !== null) {
    const endedAt = Math.max(startedAt, Math.min(instance.endedAt, guest.endedAt));
    if (endedAt !== instance.endedAt) changes.endedAt = endedAt;
  }
  return changes;
}

/** Whether new instances may be placed on the host at `now`: ready, and its heartbeat fresh. */
export function takesInstances(host: HostCondition & { readonly lastHeartbeatAt: number }, now: number, downAfterSeconds: number): boolean {
  return hostStatus(host, now) === 'ready' && !heartbeatStale(host.lastHeartbeatAt, now, downAfterSeconds);
}

/** Whether the host is up for supply: registered, not removed, not down. */
export function hostUp(host: HostCondition): boolean {
  return host.removedAt === null && host.downAt === null;
}

/** A maintenance window as the operator gives it: whole minutes, start before end, end in the future. */
export function maintenanceWindow(startAt: number, endAt: number, now: number): { readonly startAt: number; readonly endAt: number } | Failure {
  if (!isMinuteAligned(startAt)) return invalidField('start_at', 'misaligned', 'start_at must be a whole minute (a multiple of 60)');
  if (!isMinuteAligned(endAt)) return invalidField('end_at', 'misaligned', 'end_at must be a whole minute (a multiple of 60)');
  if (endAt <= startAt) return invalidField('end_at', 'invalid_range', 'end_at must be after start_at');
  if (endAt <= now) return invalidField('end_at', 'in_the_past', 'end_at must be in the future');
  return { startAt, endAt };
}

/** The first whole minute after `now`: where a change of supply takes effect ("from now on"). */
export function nextMinute(now: number): number {
  return Math.floor(now / minuteSeconds) * minuteSeconds + minuteSeconds;
}

/**
 * The node-time a host supplies from `from` on: `nodes` with no end, less its maintenance window
 * (where it is in the future of `from`).
 */
export function suppliedSchedule(nodes: number, from: number, window: { readonly startAt: number; readonly endAt: number } | null): Schedule {
  const steps: Step[] = [{ at: from, count: nodes }];
  if (window !== null && window.endAt > from) {
    steps.push({ at: Math.max(from, window.startAt), count: 0 }, { at: window.endAt, count: nodes });
  }
  return normalize(steps);
}

export interface RegistrationInput {
  readonly hostname: string;
  readonly address: string;
  readonly node_count: number;
  readonly accelerators: readonly Accelerator[];
  readonly cpus: number;
  readonly memory_bytes: number;
  readonly disk_bytes: number;
  readonly driver: string;
}

/** Checks what the schema cannot: the driver is one allot has. */
export function registrationRefusal(input: RegistrationInput): Failure | null {
  if (!(hostDrivers as readonly string[]).includes(input.driver)) return invalidField('driver', 'invalid_value', `driver must be one of ${hostDrivers.join(', ')}`);
  return null;
}

/** The words of an accelerator's name, lowercased: `NVIDIA H100 80GB HBM3` → nvidia, h100, 80gb, hbm3. */
function words(name: string): string[] {
  return name.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word !== '');
}

/**
 * Whether a model an agent reports (`nvidia-smi`'s name, or a declared one) is the SKU's
 * accelerator: the SKU's words appear, in order and together, among the model's, so `h100`
 * matches `NVIDIA H100 80GB HBM3` and `H100`, but not `H200` or `GH100X`.
 */
export function acceleratorMatches(model: string, skuAccelerator: string): boolean {
  const have = words(model);
  const want = words(skuAccelerator);
  if (want.length === 0) return false;
  for (let start = 0; start + want.length <= have.length; start++) {
    if (want.every((word, index) => have[start + index] === word)) return true;
  }
  return false;
}

/**
 * Whether the accelerators an agent reports fit the SKU it registers under, with `nodeCount`
 * nodes: node-time of a SKU is sold by its properties, so a host that cannot give every node what
 * the SKU promises must not supply it. Where the SKU names an accelerator, every accelerator of
 * the host is that model; where it names a count per node (`num_accelerators`), the host has
 * exactly that many per node (no fewer: a buyer would get less than sold; no more: the rest would
 * be idle hardware sold under another SKU's name, or a miscounted host). A SKU that names neither
 * takes any host. A host that reports none (no `nvidia-smi`, nothing declared) has none.
 */
export function acceleratorRefusal(sku: Pick<SkuProperties, 'accelerator' | 'num_accelerators'>, nodeCount: number, accelerators: readonly Accelerator[]): Failure | null {
  const total = accelerators.reduce((sum, accelerator) => sum + accelerator.count, 0);
  const listed = accelerators.length === 0 ? 'none' : accelerators.map((accelerator) => `${accelerator.model}×${accelerator.count}`).join(', ');
  if (sku.accelerator !== null) {
    const other = accelerators.find((accelerator) => !acceleratorMatches(accelerator.model, sku.accelerator!));
    if (other !== undefined) return invalidField('accelerators', 'invalid_value', `The host reports ${listed}: "${other.model}" is not the SKU's accelerator (${sku.accelerator})`);
  }
  if (sku.num_accelerators !== null && total !== sku.num_accelerators * nodeCount) {
    const needed = sku.num_accelerators * nodeCount;
    return invalidField('accelerators', 'count_mismatch', `The host reports ${total} accelerator${total === 1 ? '' : 's'} (${listed}); its SKU needs ${sku.num_accelerators} per node × ${nodeCount} node${nodeCount === 1 ? '' : 's'} = ${needed}`);
  }
  if (sku.num_accelerators === null && sku.accelerator !== null && total === 0) {
    return invalidField('accelerators', 'count_mismatch', `The host reports no accelerators; its SKU needs ${sku.accelerator}`);
  }
  return null;
}

export function hostNotFound(id: string): Failure {
  return fail('host_not_found', `No host ${id}`);
}

/** How the fleet is judged: a host is down once its last heartbeat is older than `downAfterSeconds`. */
export interface FleetSettings {
  readonly downAfterSeconds: number;
  /** What agents are told to heartbeat at. */
  readonly heartbeatIntervalSeconds: number;
}

export const defaultFleetSettings: FleetSettings = { downAfterSeconds: 30, heartbeatIntervalSeconds: 5 };
