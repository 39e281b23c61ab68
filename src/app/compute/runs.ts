// The guest worker's use cases (engine/guests.ts): read what it needs to decide about one
// instance's guest (domain/compute/runs.ts), and record what a driver did — each in its own short
// transaction, since drivers are called between them, never inside one.

import { assert } from '../../domain/kernel/assert.js';
import type { SkuProperties } from '../../domain/allocation/instance-skus.js';
import { isFailure } from '../../domain/kernel/failures.js';
import { publicImagesAccountId } from '../../domain/compute/images.js';
import { type RecordedRunState, type RunIntent, runStateMayFollow } from '../../domain/compute/runs.js';
import type { ImageRecord, InstanceRunEffect, InstanceRunRecord, InstanceView, PublishedConsoleLine, PublishedSsh } from '../../store/compute.js';
import { findInstanceSku } from '../allocation/instance-skus.js';
import { accountSshKeys } from '../tenancy/ssh-keys.js';
import type { AppContext } from '../kernel/context.js';
import { endInstance } from './instances.js';

export interface RunFacts {
  readonly record: InstanceRunRecord | null;
  readonly instance: InstanceView | null;
  /** The instance's SKU, as the operator's configuration names SKUs. */
  readonly instanceSku: { readonly id: string; readonly alias: string; readonly properties: SkuProperties } | null;
  /** The instance's account's SSH public keys, which the guest authorises (`/v0/credentials`). */
  readonly sshAuthorizedKeys: readonly string[];
  /** Whether its guest's port 443 is forwarded too: the instance is a v1 node's VM that asked for it (`forward_443`). */
  readonly forward443: boolean;
}

export async function loadRunFacts(context: AppContext, instanceId: string): Promise<RunFacts> {
  return context.store.read(async (tx) => {
    const record = (await tx.instanceRuns.find(instanceId)) ?? null;
    const instance = (await tx.instances.findByIdForOperator(instanceId)) ?? null;
    const sku = instance === null ? null : await findInstanceSku(tx, instance.instanceSkuId);
    const keys = instance === null ? [] : (await accountSshKeys(tx, instance.accountId)).map((key) => key.publicKey);
    const forward443 = instance === null ? false : await tx.nodes.forwards443(instance.poolId);
    return { record, instance, instanceSku: sku === null || isFailure(sku) ? null : sku, sshAuthorizedKeys: keys, forward443 };
  });
}

/** What a guest boots from: an image's record, and its parts when it was uploaded. */
export interface BootImage {
  readonly image: ImageRecord;
  /** Whether it is one of SF Compute's public catalogue images (its bytes are the operator's file). */
  readonly catalogue: boolean;
  readonly partIds: readonly number[];
}

export async function loadBootImage(context: AppContext, imageId: string): Promise<BootImage | null> {
  return context.store.read(async (tx) => {
    const image = await tx.images.findById(imageId);
    if (image === undefined) return null;
    const parts = await tx.images.parts(imageId);
    return { image, catalogue: image.isPublic && image.accountId === publicImagesAccountId, partIds: parts.map((part) => part.partId) };
  });
}

/**
 * Whether the file an uploaded image was put together as for booting may go: the image is deleted
 * (or unknown) and no guest booted from it may still be on a host.
 */
export async function joinedImageUnused(context: AppContext, imageId: string): Promise<boolean> {
  return context.store.read(async (tx) => (await tx.images.findById(imageId)) === undefined && (await tx.instanceRuns.unendedForImage(imageId)) === 0);
}

export async function pendingRuns(context: AppContext, limit: number): Promise<InstanceRunRecord[]> {
  return context.store.read((tx) => tx.instanceRuns.pending(limit));
}

export async function unendedRuns(context: AppContext, afterInstanceId: string, limit: number): Promise<InstanceRunRecord[]> {
  return context.store.read((tx) => tx.instanceRuns.unended(afterInstanceId, limit));
}

/** Records the intent to run instances that run with no record (started while no real driver ran); answers how many. */
export async function requestRunsForUnrecorded(context: AppContext, limit: number): Promise<number> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const ids = await tx.instanceRuns.runningWithout(limit);
    await tx.instanceRuns.requestRun(ids, now);
    return ids.length;
  });
}

export async function recordRunEffect(context: AppContext, instanceId: string, seen: { readonly intent: RunIntent; readonly state: RecordedRunState; readonly place?: string | null }, effect: Omit<InstanceRunEffect, 'updatedAt'>): Promise<boolean> {
  const now = context.clock.now();
  assert(runStateMayFollow(seen.intent, effect.state), () => `instance ${instanceId}'s run (${seen.intent}, ${seen.state}) recorded as ${effect.state}`);
  return context.store.transaction((tx) => tx.instanceRuns.record(instanceId, seen, { ...effect, updatedAt: now }));
}

/** Nothing of the deleted instance's guest is left on a host: recorded, and what was published of its console goes too (a deleted instance has no log to read). */
export async function recordRunRemoved(context: AppContext, instanceId: string, seen: { readonly intent: RunIntent; readonly state: RecordedRunState; readonly place?: string | null }): Promise<boolean> {
  const now = context.clock.now();
  assert(runStateMayFollow(seen.intent, 'removed'), () => `instance ${instanceId}'s run (${seen.intent}, ${seen.state}) recorded as removed`);
  return context.store.transaction(async (tx) => {
    if (!(await tx.instanceRuns.record(instanceId, seen, { state: 'removed', updatedAt: now }))) return false;
    await tx.instanceRuns.forgetConsole(instanceId);
    return true;
  });
}

/**
 * The instance's guest ended or vanished while it was running: the instance is `failed` (its
 * pool and deployment react as to any end), and the run is recorded failed with the reason.
 */
export async function failInstanceOfGuest(context: AppContext, instanceId: string, reason: string): Promise<void> {
  const now = context.clock.now();
  await context.store.transaction(async (tx) => {
    const instance = await tx.instances.findByIdForOperator(instanceId);
    if (instance !== undefined) await endInstance(context, tx, instance, 'failed', now);
    const record = await tx.instanceRuns.find(instanceId);
    if (record !== undefined) await tx.instanceRuns.record(instanceId, record, { state: 'failed', failure: reason, updatedAt: now });
  });
}

// What the guest worker publishes of the guests its drivers run on this host, so that every
// process answers their logs and SSH details the same, whichever machine it is on.

/** One guest's new console lines and, when they changed, its SSH details. */
export interface GuestOutput {
  readonly instanceId: string;
  readonly lines: readonly PublishedConsoleLine[];
  readonly ssh: PublishedSsh | null;
}

/** Publishes what several guests printed and how to reach them, in one transaction; publishing again is harmless. */
export async function publishGuestOutputs(context: AppContext, outputs: readonly GuestOutput[]): Promise<void> {
  if (outputs.length === 0) return;
  await context.store.transaction(async (tx) => {
    for (const output of outputs) {
      await tx.instanceRuns.publishConsole(output.instanceId, output.lines);
      if (output.ssh !== null) await tx.instanceRuns.publishSsh(output.instanceId, output.ssh);
    }
  });
}

/** The highest console seqnum published for each of these instances (0 for none). */
export async function publishedConsoleEnds(context: AppContext, instanceIds: readonly string[]): Promise<Map<string, number>> {
  const ends = await context.store.read((tx) => tx.instanceRuns.lastConsoleSeqnums(instanceIds));
  return new Map(instanceIds.map((id) => [id, ends.get(id) ?? 0]));
}

/** The instance's run record (its driver, place and published SSH details), or null. */
export async function runRecord(context: AppContext, instanceId: string): Promise<InstanceRunRecord | null> {
  return (await context.store.read((tx) => tx.instanceRuns.find(instanceId))) ?? null;
}

/** The console lines the guest worker published, by seqnum. */
export async function publishedConsole(context: AppContext, instanceId: string): Promise<PublishedConsoleLine[]> {
  return context.store.read((tx) => tx.instanceRuns.console(instanceId));
}

/**
 * Adds a line of allot's own after the published console (why an instance failed where its
 * guest's own log cannot be reached), timed from the instance's start.
 */
export async function publishConsoleNote(context: AppContext, instanceId: string, text: string, startedAt: number | null): Promise<void> {
  const now = context.clock.now();
  await context.store.transaction(async (tx) => {
    const last = (await tx.instanceRuns.lastConsoleSeqnums([instanceId])).get(instanceId) ?? 0;
    const since = Math.max(0, now - (startedAt ?? now));
    await tx.instanceRuns.publishConsole(instanceId, [{ seqnum: last + 1, timestampRealtime: now, monotonicSeconds: since, monotonicNanos: 0, data: `allot: ${text}\n` }]);
  });
}
