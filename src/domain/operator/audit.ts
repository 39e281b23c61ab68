// The invariants, checked over the whole state: every balance is the sum of its entries, each
// SKU's pools together hold what was issued less what was retired, no pool is below zero at any
// minute from now on, and no pool runs more instances than its allocation now. Money likewise:
// every ledger balance is the sum of its entries, all of them sum to zero (credit granted =
// balances + fees), none is negative, and each account's held funds are what its buys hold. Tests run it
// after every scenario; the operator can run it on a live system.

import { add, emptySchedule, firstBelow, floorToMinute, isEmpty, isZeroFrom, type Schedule, sameSchedule, subtract, valueAt } from '../kernel/schedule.js';

export interface AuditEntry {
  readonly instanceSkuId: string;
  readonly fromPoolId: string | null;
  readonly toPoolId: string | null;
  readonly delta: Schedule;
}

export interface AuditBalance {
  readonly poolId: string;
  readonly instanceSkuId: string;
  readonly schedule: Schedule;
}

/** How many instances run on a pool's allocation of one SKU. */
export interface AuditRunning {
  readonly poolId: string;
  readonly instanceSkuId: string;
  readonly running: number;
}

/** Deleted pools that hold allocation from the minute of their deletion on, as sentences: a pool
 * is deleted only when it holds nothing from then on, and nothing moves into it afterwards. */
export function auditDeletedPools(deleted: readonly { readonly id: string; readonly deletedAt: number }[], balances: readonly AuditBalance[]): string[] {
  const problems: string[] = [];
  const deletedAt = new Map(deleted.map((pool) => [pool.id, pool.deletedAt]));
  for (const balance of balances) {
    const at = deletedAt.get(balance.poolId);
    if (at !== undefined && !isZeroFrom(balance.schedule, floorToMinute(at))) {
      problems.push(`Deleted pool ${balance.poolId} holds allocation of ${balance.instanceSkuId} after its deletion at ${at}`);
    }
  }
  return problems;
}

/** Something still live inside a deleted pool or workspace. */
export interface AuditDeletedContent {
  readonly kind: string;
  readonly id: string;
  readonly containerId: string;
}

/** What a deleted pool or workspace still holds, as sentences: a pool is deleted only when no
 * instance is live, no order rests and no deployment or procurement targets it, and a workspace
 * only when it holds no pool, image or instance template; nothing is created in either after. */
export function auditDeletedContainers(container: 'pool' | 'workspace', contents: readonly AuditDeletedContent[]): string[] {
  return contents.map((content) => `Deleted ${container} ${content.containerId} holds live ${content.kind} ${content.id}`);
}

/** What still uses a deleted image or instance template, as sentences: an image is deleted only
 * when no live instance or template uses it, a template only when no deployment does; nothing
 * takes either up after. */
export function auditDeletedInUse(resource: 'image' | 'instance template', users: readonly AuditDeletedContent[]): string[] {
  return users.map((user) => `Deleted ${resource} ${user.containerId} is used by live ${user.kind} ${user.id}`);
}

/** Running instances that exceed their pool's allocation now, as sentences. */
export function auditPlacement(running: readonly AuditRunning[], balances: readonly AuditBalance[], now: number): string[] {
  const problems: string[] = [];
  for (const group of running) {
    const balance = balances.find((candidate) => candidate.poolId === group.poolId && candidate.instanceSkuId === group.instanceSkuId);
    const allocation = balance === undefined ? 0 : valueAt(balance.schedule, now);
    if (group.running > allocation) problems.push(`Pool ${group.poolId} runs ${group.running} instance(s) of ${group.instanceSkuId} on an allocation of ${allocation}`);
  }
  return problems;
}

/** Every violated invariant, as sentences; empty when the ledger is sound. */
export function auditLedger(entries: readonly AuditEntry[], balances: readonly AuditBalance[], now: number): string[] {
  const problems: string[] = [];
  const key = (poolId: string, skuId: string) => `${poolId} ${skuId}`;
  const expected = new Map<string, Schedule>();
  const issuedLessRetired = new Map<string, Schedule>();
  for (const entry of entries) {
    if (entry.fromPoolId !== null) {
      const from = key(entry.fromPoolId, entry.instanceSkuId);
      expected.set(from, subtract(expected.get(from) ?? emptySchedule, entry.delta));
    } else {
      issuedLessRetired.set(entry.instanceSkuId, add(issuedLessRetired.get(entry.instanceSkuId) ?? emptySchedule, entry.delta));
    }
    if (entry.toPoolId !== null) {
      const to = key(entry.toPoolId, entry.instanceSkuId);
      expected.set(to, add(expected.get(to) ?? emptySchedule, entry.delta));
    } else {
      issuedLessRetired.set(entry.instanceSkuId, subtract(issuedLessRetired.get(entry.instanceSkuId) ?? emptySchedule, entry.delta));
    }
  }

  const held = new Map<string, Schedule>();
  const balanceKeys = new Set<string>();
  for (const balance of balances) {
    const balanceKey = key(balance.poolId, balance.instanceSkuId);
    balanceKeys.add(balanceKey);
    if (!sameSchedule(balance.schedule, expected.get(balanceKey) ?? emptySchedule)) {
      problems.push(`The balance of ${balanceKey} is not the sum of its entries`);
    }
    const below = firstBelow(balance.schedule, 0, floorToMinute(now));
    if (below !== null) problems.push(`Pool ${balance.poolId} holds a negative amount of ${balance.instanceSkuId} at ${below}`);
    held.set(balance.instanceSkuId, add(held.get(balance.instanceSkuId) ?? emptySchedule, balance.schedule));
  }
  for (const [expectedKey, schedule] of expected) {
    if (!balanceKeys.has(expectedKey) && !isEmpty(schedule)) problems.push(`Entries move allocation of ${expectedKey}, which has no balance`);
  }
  const skus = new Set([...held.keys(), ...issuedLessRetired.keys()]);
  for (const skuId of skus) {
    if (!sameSchedule(held.get(skuId) ?? emptySchedule, issuedLessRetired.get(skuId) ?? emptySchedule)) {
      problems.push(`The pools hold a different amount of ${skuId} than was issued less retired`);
    }
  }
  return problems;
}

export interface AuditMoneyEntry {
  readonly fromKey: string;
  readonly toKey: string;
  readonly amountMicros: number;
}

/**
 * The money ledger's violated invariants. Keys are `cash:<account>`, `held:<account>`, `fees` and
 * `granted` (the operator's side of every grant, the only balance that goes below zero).
 */
export function auditMoney(entries: readonly AuditMoneyEntry[], balances: ReadonlyMap<string, number>, holdsByAccount: ReadonlyMap<string, number>): string[] {
  const problems: string[] = [];
  const expected = new Map<string, number>();
  for (const entry of entries) {
    if (entry.amountMicros < 0) problems.push(`A money entry from ${entry.fromKey} to ${entry.toKey} moves a negative amount`);
    expected.set(entry.fromKey, (expected.get(entry.fromKey) ?? 0) - entry.amountMicros);
    expected.set(entry.toKey, (expected.get(entry.toKey) ?? 0) + entry.amountMicros);
  }
  let total = 0;
  for (const key of new Set([...balances.keys(), ...expected.keys()])) {
    const balance = balances.get(key) ?? 0;
    total += balance;
    if (balance !== (expected.get(key) ?? 0)) problems.push(`The money balance of ${key} (${balance}) is not the sum of its entries (${expected.get(key) ?? 0})`);
    if (key !== 'granted' && balance < 0) problems.push(`The money balance of ${key} is negative (${balance})`);
    if (key.startsWith('held:')) {
      const holds = holdsByAccount.get(key.slice('held:'.length)) ?? 0;
      if (balance !== holds) problems.push(`${key} is ${balance}, but its open buy orders hold ${holds}`);
    }
  }
  for (const [accountId, holds] of holdsByAccount) {
    if (!balances.has(`held:${accountId}`)) problems.push(`Buy orders of ${accountId} hold ${holds}, but it has no held balance`);
  }
  if (total !== 0) problems.push(`The money balances sum to ${total}, not 0: money was created or destroyed`);
  return problems;
}
