// Pools: containers of an account's allocation over time. This file holds their lifecycle;
// allocation enters and leaves them through the ledger.

import { fail, type Failure, isFailure } from '../domain/failures.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../domain/pagination.js';
import { poolChangeRefusal, poolDeletionRefusal } from '../domain/pools.js';
import { parseReference, resourceTypes } from '../domain/resource-paths.js';
import { type Tags, parseTagFilter } from '../domain/tags.js';
import type { PoolView, Tx, WorkspaceRecord } from '../store/store.js';
import { type AppContext, newId, newName } from './context.js';
import { resolveWorkspace } from './workspaces.js';

function poolNotFound(reference: string): Failure {
  return fail('pool_not_found', `No pool "${reference}"`);
}

function nameTaken(name: string, workspace: string): Failure {
  return fail('name_taken', `A pool named "${name}" already exists in workspace "${workspace}"`);
}

/**
 * Finds one of the account's pools by id, resource path or bare name. A bare name is looked up in
 * `workspace` when the request names one, otherwise in the account's default workspace.
 */
export async function resolvePool(tx: Tx, accountId: string, reference: string, workspace?: WorkspaceRecord): Promise<PoolView | Failure> {
  const parsed = parseReference(resourceTypes.pool, reference, true);
  if (parsed === null) return poolNotFound(reference);
  if (parsed.by === 'id') return (await tx.pools.findById(accountId, parsed.id)) ?? poolNotFound(reference);
  let home: WorkspaceRecord | undefined = workspace;
  if (parsed.by === 'path') {
    if (parsed.account !== accountId) return poolNotFound(reference);
    home = await tx.workspaces.findByName(accountId, parsed.workspace!);
  } else if (home === undefined) {
    const account = (await tx.accounts.find(accountId))!;
    home = await tx.workspaces.findById(accountId, account.defaultWorkspaceId);
  }
  if (home === undefined) return poolNotFound(reference);
  return (await tx.pools.findByName(home.id, parsed.name)) ?? poolNotFound(reference);
}

export interface CreatePoolInput {
  readonly workspace: string;
  readonly name?: string | null | undefined;
  readonly tags?: Tags | null | undefined;
}

export async function createPool(context: AppContext, accountId: string, input: CreatePoolInput): Promise<PoolView | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const workspace = await resolveWorkspace(tx, accountId, input.workspace);
    if (isFailure(workspace)) return workspace;
    const name = input.name ?? newName(context);
    if ((await tx.pools.findByName(workspace.id, name)) !== undefined) return nameTaken(name, workspace.name);
    const pool = { id: newId(context, 'pool'), accountId, workspaceId: workspace.id, name, kind: 'market' as const, tags: input.tags ?? {}, createdAt: now };
    if ((await tx.pools.insert(pool)) === 'name_taken') return nameTaken(name, workspace.name);
    return (await tx.pools.findById(accountId, pool.id))!;
  });
}

export interface ListPoolsInput extends PageQuery {
  readonly workspace?: string | undefined;
  readonly id?: readonly string[] | undefined;
  readonly tag?: readonly string[] | undefined;
  readonly tag_key?: readonly string[] | undefined;
}

export async function listPools(context: AppContext, accountId: string, input: ListPoolsInput): Promise<Page<PoolView> | Failure> {
  const page = parsePageQuery(cursorPrefixes.pools, input);
  if (isFailure(page)) return page;
  const tags = parseTagFilter(input.tag ?? [], input.tag_key ?? []);
  if (isFailure(tags)) return tags;
  return context.store.read(async (tx) => {
    let workspace: WorkspaceRecord | undefined;
    if (input.workspace !== undefined) {
      const resolved = await resolveWorkspace(tx, accountId, input.workspace);
      if (isFailure(resolved)) return resolved;
      workspace = resolved;
    }
    let ids: string[] | null = null;
    if (input.id !== undefined && input.id.length > 0) {
      ids = [];
      for (const reference of input.id) {
        const pool = await resolvePool(tx, accountId, reference, workspace);
        if (!isFailure(pool)) ids.push(pool.id);
      }
    }
    const rows = await tx.pools.list({ accountId, workspaceId: workspace?.id ?? null, ids, tags }, page);
    return toPage(cursorPrefixes.pools, page, rows);
  });
}

export async function getPool(context: AppContext, accountId: string, reference: string): Promise<PoolView | Failure> {
  return context.store.read((tx) => resolvePool(tx, accountId, reference));
}

export interface UpdatePoolInput {
  /** A new name; null or absent leaves the name as it is. */
  readonly name?: string | null | undefined;
  /** New tags, replacing all; null clears them; absent leaves them as they are. */
  readonly tags?: Tags | null | undefined;
}

export async function updatePool(context: AppContext, accountId: string, reference: string, input: UpdatePoolInput): Promise<PoolView | Failure> {
  return context.store.transaction(async (tx) => {
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
    return { ...pool, ...changes };
  });
}

export async function deletePool(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const pool = await resolvePool(tx, accountId, reference);
    if (isFailure(pool)) return pool;
    const refusal = poolDeletionRefusal(pool.name, pool.kind, {});
    if (refusal !== null) return refusal;
    await tx.pools.softDelete(pool.id, now);
    return null;
  });
}
