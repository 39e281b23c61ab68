// Pools: containers of an account's allocation over time. This file holds their lifecycle;
// allocation enters and leaves them through the ledger.

import { declared } from '../../domain/kernel/operations.js';
import { declaring } from '../kernel/declaring.js';
import { createPoolForOperatorOperation, createPoolOperation, deletePoolOperation, getPoolOperation, listPoolsOperation, updatePoolOperation } from '../../domain/allocation/operations.js';
import { type PoolAllocation, poolAllocation, scheduleViewStart } from '../../domain/allocation/pool-allocation.js';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { type PoolKind, poolChangeRefusal, poolDeletionRefusal } from '../../domain/allocation/pools.js';
import { floorToMinute, isZeroFrom } from '../../domain/kernel/schedule.js';
import { parseReference, resourceTypes } from '../../domain/kernel/resource-paths.js';
import { type Tags, parseTagFilter } from '../../domain/kernel/tags.js';
import type { PoolView, PoolWithHoldings } from '../../store/allocation.js';
import { TransientConflict, type Tx } from '../../store/store.js';
import type { WorkspaceRecord } from '../../store/tenancy.js';
import { type AppContext, newId, newName } from '../kernel/context.js';
import { resolveEach, resolveScoped } from '../tenancy/references.js';
import { lockWorkspaceForAdding, resolveWorkspace, resolveWorkspaceFilter } from '../tenancy/workspaces.js';

function poolNotFound(reference: string): Failure {
  return fail('pool_not_found', `No pool "${reference}"`);
}

function nameTaken(name: string, workspace: string): Failure {
  return fail('name_taken', `A pool named "${name}" already exists in workspace "${workspace}"`);
}

/** Finds one of the account's pools by id, resource path or name (see app/tenancy/references.ts). */
export async function resolvePool(tx: Tx, accountId: string, reference: string, workspace?: WorkspaceRecord): Promise<PoolView | Failure> {
  const pool = await resolveScoped(tx, accountId, reference, resourceTypes.pool, {
    byId: (id) => tx.pools.findById(accountId, id),
    byName: (workspaceId, name) => tx.pools.findByName(workspaceId, name),
  }, workspace);
  return pool ?? poolNotFound(reference);
}

/**
 * Resolves the pools of a move of allocation (a transfer's source and destination), each as
 * `resolvePool` would. Those named by id, as clients do, are read and locked against deletion
 * in one statement (step 2 of the lock order in docs/architecture.md), so the move's own lock of
 * them (`tx.pools.lockLive`) sends nothing: two statements fewer on a transfer's path.
 */
export async function resolvePoolsOfMove(tx: Tx, accountId: string, references: readonly string[]): Promise<(PoolView | Failure)[]> {
  const parsed = references.map((reference) => parseReference(resourceTypes.pool, reference, true));
  const ids = parsed.flatMap((reference) => (reference?.by === 'id' ? [reference.id] : []));
  const byId = new Map(ids.length === 0 ? [] : (await tx.pools.findLiveLocked(accountId, ids)).map((pool) => [pool.id, pool]));
  const pools: (PoolView | Failure)[] = [];
  for (const [index, reference] of references.entries()) {
    const found = parsed[index];
    pools.push(found?.by === 'id' ? (byId.get(found.id) ?? poolNotFound(reference)) : await resolvePool(tx, accountId, reference));
  }
  return pools;
}

/** The operator names any account's pool by id or resource path. */
export async function resolvePoolForOperator(tx: Tx, reference: string): Promise<PoolView | Failure> {
  const parsed = parseReference(resourceTypes.pool, reference, false);
  let pool: PoolView | undefined;
  if (parsed?.by === 'id') pool = await tx.pools.findByIdForOperator(parsed.id);
  if (parsed?.by === 'path') {
    const workspace = await tx.workspaces.findByName(parsed.account, parsed.workspace!);
    pool = workspace === undefined ? undefined : await tx.pools.findByName(workspace.id, parsed.name);
  }
  return pool ?? fail('pool_not_found', `No pool "${reference}"`);
}

/** A pool instances may run on: any of the account's but an originating pool, which only sells. */
export async function resolvePoolForInstances(tx: Tx, accountId: string, reference: string): Promise<PoolView | Failure> {
  const pool = await resolvePool(tx, accountId, reference);
  if (isFailure(pool) || pool.kind !== 'originating') return pool;
  return fail('pool_cannot_run_instances', `Pool "${pool.name}" is an originating pool: it sells compute and runs no instances`);
}

/** The workspace and pool a list of what runs on pools is narrowed to; the pool is looked up in the workspace. */
export async function resolvePoolFilter(tx: Tx, accountId: string, input: { readonly workspace?: string | undefined; readonly pool?: string | undefined }): Promise<{ readonly workspaceId: string | null; readonly poolId: string | null } | Failure> {
  const workspace = await resolveWorkspaceFilter(tx, accountId, input.workspace);
  if (isFailure(workspace)) return workspace;
  const pool = input.pool === undefined ? undefined : await resolvePool(tx, accountId, input.pool, workspace);
  if (isFailure(pool)) return pool;
  return { workspaceId: workspace?.id ?? null, poolId: pool?.id ?? null };
}

/**
 * Locks pools before something that depends on them is created in them — an instance, an order,
 * a deployment, a procurement — so that none is deleted until the transaction ends (step 2 of the
 * lock order in docs/architecture.md). A pool's deletion checks that nothing depends on it under
 * its own lock, so whichever locks first decides. A pool deleted by a transaction that committed
 * first throws `TransientConflict`; `Store.transaction` retries, and the retry finds no pool.
 */
export async function lockPoolsForAdding(tx: Tx, poolIds: readonly string[]): Promise<void> {
  const live = await tx.pools.lockLive(poolIds);
  const gone = poolIds.find((poolId) => !live.has(poolId));
  if (gone !== undefined) throw new TransientConflict(`Pool ${gone} was deleted while something was created in it`);
}

/** A pool with its allocation (shown from `from` on) and the automations that target it. */
export interface PoolReading {
  readonly pool: PoolView;
  readonly allocation: PoolAllocation;
  readonly from: number;
  readonly deployments: readonly { readonly id: string; readonly name: string }[];
  readonly procurements: readonly { readonly id: string; readonly name: string }[];
}

/** A pool as the API shows it: its schedule from `from` on. */
function readingOf(pool: PoolWithHoldings, from: number): PoolReading {
  return {
    pool,
    allocation: poolAllocation(pool.balances, from),
    from,
    // A spot deployment shows through its procurement: the pool's `deployments` are generic ones.
    deployments: pool.deployments.filter((deployment) => deployment.kind === 'generic').map(({ id, name }) => ({ id, name })),
    procurements: pool.procurements,
  };
}

/** Finds one of the account's pools with what it holds, by id, resource path or name. */
async function resolvePoolWithHoldings(tx: Tx, accountId: string, reference: string): Promise<PoolWithHoldings | Failure> {
  const pool = await resolveScoped(tx, accountId, reference, resourceTypes.pool, {
    byId: (id) => tx.pools.findWithHoldingsById(accountId, id),
    byName: (workspaceId, name) => tx.pools.findWithHoldingsByName(workspaceId, name),
  });
  return pool ?? poolNotFound(reference);
}

/** Creates a pool in the caller's transaction: the account's and the operator's creates, and v1 nodes. */
export async function insertPool(context: AppContext, tx: Tx, workspace: WorkspaceRecord, kind: PoolKind, input: { readonly name?: string | null | undefined; readonly tags?: Tags | null | undefined }, now: number): Promise<PoolReading | Failure> {
  await lockWorkspaceForAdding(tx, workspace.id);
  const name = input.name ?? newName(context);
  if ((await tx.pools.findByName(workspace.id, name)) !== undefined) return nameTaken(name, workspace.name);
  const pool = { id: newId(context, 'pool'), accountId: workspace.accountId, workspaceId: workspace.id, name, kind, tags: input.tags ?? {}, createdAt: now };
  if ((await tx.pools.insert(pool)) === 'name_taken') return nameTaken(name, workspace.name);
  return readingOf((await tx.pools.findWithHoldingsById(workspace.accountId, pool.id))!, scheduleViewStart(now, 0));
}

export interface CreatePoolInput {
  readonly workspace: string;
  readonly name?: string | null | undefined;
  readonly tags?: Tags | null | undefined;
}

export async function createPool(context: AppContext, accountId: string, input: CreatePoolInput): Promise<PoolReading | Failure> {
  const now = context.clock.now();
  return declared(createPoolOperation, await context.store.transaction(async (tx) => {
    const workspace = await resolveWorkspace(tx, accountId, input.workspace);
    if (isFailure(workspace)) return workspace;
    return insertPool(context, tx, workspace, 'market', input, now);
  }));
}

export interface CreateOperatorPoolInput {
  readonly account: string;
  readonly workspace?: string | undefined;
  readonly name?: string | null | undefined;
  readonly kind: PoolKind;
  readonly tags?: Tags | null | undefined;
}

/** The operator creates a pool of any kind for any account (a provider's originating pools). */
export const createPoolForOperator = declaring(createPoolForOperatorOperation, async function createPoolForOperator(context: AppContext, input: CreateOperatorPoolInput): Promise<PoolReading | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const account = await tx.accounts.find(input.account);
    if (account === undefined) return fail('account_not_found', `No account with id "${input.account}"`);
    const workspace = await resolveWorkspace(tx, account.id, input.workspace ?? account.defaultWorkspaceId);
    if (isFailure(workspace)) return workspace;
    return insertPool(context, tx, workspace, input.kind, input, now);
  });
});

export interface ListPoolsInput extends PageQuery {
  readonly schedule_history_minutes?: number | undefined;
  readonly workspace?: string | undefined;
  readonly id?: readonly string[] | undefined;
  readonly tag?: readonly string[] | undefined;
  readonly tag_key?: readonly string[] | undefined;
}

export const listPools = declaring(listPoolsOperation, async function listPools(context: AppContext, accountId: string, input: ListPoolsInput): Promise<Page<PoolReading> | Failure> {
  const page = parsePageQuery(cursorPrefixes.pools, input);
  if (isFailure(page)) return page;
  const tags = parseTagFilter(input.tag ?? [], input.tag_key ?? []);
  if (isFailure(tags)) return tags;
  const from = scheduleViewStart(context.clock.now(), input.schedule_history_minutes ?? 0);
  return context.store.read(async (tx) => {
    const workspace = await resolveWorkspaceFilter(tx, accountId, input.workspace);
    if (isFailure(workspace)) return workspace;
    const ids = await resolveEach(input.id, (reference) => resolvePool(tx, accountId, reference, workspace));
    const rows = await tx.pools.listWithHoldings({ accountId, workspaceId: workspace?.id ?? null, ids, tags }, page);
    const pools = toPage(cursorPrefixes.pools, page, rows);
    return { ...pools, data: pools.data.map((pool) => readingOf(pool, from)) };
  });
});

export const getPool = declaring(getPoolOperation, async function getPool(context: AppContext, accountId: string, reference: string, historyMinutes: number = 0): Promise<PoolReading | Failure> {
  const from = scheduleViewStart(context.clock.now(), historyMinutes);
  // Clients poll their pools, which change far less often than they are read: the pool is
  // remembered until the next write (see Store.readCached), its schedule cut at `from` anew.
  const pool = await context.store.readCached(`pool ${accountId} ${reference}`, (tx) => resolvePoolWithHoldings(tx, accountId, reference));
  return isFailure(pool) ? pool : readingOf(pool, from);
});

export interface UpdatePoolInput {
  /** A new name; null or absent leaves the name as it is. */
  readonly name?: string | null | undefined;
  /** New tags, replacing all; null clears them; absent leaves them as they are. */
  readonly tags?: Tags | null | undefined;
}

export async function updatePool(context: AppContext, accountId: string, reference: string, input: UpdatePoolInput): Promise<PoolReading | Failure> {
  const now = context.clock.now();
  return declared(updatePoolOperation, await context.store.transaction(async (tx) => {
    const pool = await resolvePool(tx, accountId, reference);
    if (isFailure(pool)) return pool;
    const refusal = poolChangeRefusal(pool.name, pool.kind);
    if (refusal !== null) return refusal;
    const changes: { name?: string; tags?: Tags } = {};
    if (input.name !== undefined && input.name !== null && input.name !== pool.name) {
      if ((await tx.pools.findByName(pool.workspaceId, input.name)) !== undefined) return nameTaken(input.name, pool.workspaceName);
      changes.name = input.name;
    }
    if (input.tags !== undefined) changes.tags = input.tags ?? {};
    if ((await tx.pools.update(pool.id, changes)) === 'name_taken') return nameTaken(input.name!, pool.workspaceName);
    return readingOf((await tx.pools.findWithHoldingsById(accountId, pool.id))!, scheduleViewStart(now, 0));
  }));
}

/** Deletes a pool in the caller's transaction unless something still depends on it (why not, then). */
export async function removePool(tx: Tx, pool: PoolView, now: number): Promise<null | Failure> {
  // Under the pool's lock, so that nothing moves into it between the checks and the deletion.
  if (!(await tx.pools.lockForChange(pool.id))) return poolNotFound(pool.id);
  const holdings = (await tx.pools.findWithHoldingsById(pool.accountId, pool.id))!;
  const futureAllocation = holdings.balances.some((balance) => !isZeroFrom(balance.schedule, floorToMinute(now)));
  const liveInstances = await tx.instances.countLiveInPool(pool.id);
  const deployments = holdings.deployments.length;
  const procurements = holdings.procurements.length;
  const restingOrders = await tx.orders.countRestingInPool(pool.id);
  const refusal = poolDeletionRefusal(pool.name, pool.kind, { futureAllocation, liveInstances, deployments, procurements, restingOrders });
  if (refusal !== null) return refusal;
  await tx.pools.softDelete(pool.id, now);
  return null;
}

export async function deletePool(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return declared(deletePoolOperation, await context.store.transaction(async (tx) => {
    const pool = await resolvePool(tx, accountId, reference);
    return isFailure(pool) ? pool : removePool(tx, pool, now);
  }));
}
