// Workspaces: an account's named containers of resources. Every account has a `default`
// workspace, which can be renamed but not deleted.

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { workspacesPerAccountMax } from '../../domain/kernel/limits.js';
import { parseReference, resourceTypes } from '../../domain/kernel/resource-paths.js';
import { workspaceDeletionRefusal } from '../../domain/tenancy/workspaces.js';
import { TransientConflict, type Tx } from '../../store/store.js';
import type { WorkspaceRecord } from '../../store/tenancy.js';
import { createWorkspaceOperation, deleteWorkspaceOperation, getWorkspaceOperation, renameWorkspaceOperation } from '../../domain/tenancy/operations.js';
import { type AppContext, newId, newName } from '../kernel/context.js';
import { declaring } from '../kernel/declaring.js';

function workspaceNotFound(reference: string): Failure {
  return fail('workspace_not_found', `No workspace "${reference}"`);
}

/** Finds one of the account's workspaces by id, resource path or name. */
export async function resolveWorkspace(tx: Tx, accountId: string, reference: string): Promise<WorkspaceRecord | Failure> {
  const parsed = parseReference(resourceTypes.workspace, reference, true);
  if (parsed === null) return workspaceNotFound(reference);
  let workspace: WorkspaceRecord | undefined;
  if (parsed.by === 'id') workspace = await tx.workspaces.findById(accountId, parsed.id);
  else if (parsed.by === 'name') workspace = await tx.workspaces.findByName(accountId, parsed.name);
  else if (parsed.account === accountId) workspace = await tx.workspaces.findByName(accountId, parsed.name);
  return workspace ?? workspaceNotFound(reference);
}

/** The workspace a list is narrowed to, when the request names one. */
export async function resolveWorkspaceFilter(tx: Tx, accountId: string, reference: string | undefined): Promise<WorkspaceRecord | undefined | Failure> {
  return reference === undefined ? undefined : resolveWorkspace(tx, accountId, reference);
}

/**
 * Locks a workspace before something is created in it — a pool, an image, an instance template —
 * so that it is not deleted until the transaction ends (the lock order in docs/architecture.md):
 * a workspace's deletion checks that it is empty under its own lock. A workspace deleted by a
 * transaction that committed first throws `TransientConflict`; the retry finds no workspace.
 */
export async function lockWorkspaceForAdding(tx: Tx, workspaceId: string): Promise<void> {
  if (!(await tx.workspaces.lockLive(workspaceId))) throw new TransientConflict(`Workspace ${workspaceId} was deleted while something was created in it`);
}

function nameTaken(name: string): Failure {
  return fail('name_taken', `A workspace named "${name}" already exists`);
}

export const createWorkspace = declaring(createWorkspaceOperation, async function createWorkspace(context: AppContext, accountId: string, input: { name?: string | null | undefined }): Promise<WorkspaceRecord | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    await tx.workspaces.lockCreation(accountId);
    if ((await tx.workspaces.count(accountId)) >= workspacesPerAccountMax) {
      return fail('workspace_limit_reached', `An account holds at most ${workspacesPerAccountMax} workspaces`);
    }
    const name = input.name ?? newName(context);
    if ((await tx.workspaces.findByName(accountId, name)) !== undefined) return nameTaken(name);
    const workspace = { id: newId(context, 'workspace'), accountId, name, createdAt: now };
    if ((await tx.workspaces.insert(workspace)) === 'name_taken') return nameTaken(name);
    return (await tx.workspaces.findById(accountId, workspace.id))!;
  });
});

/** The account's workspaces, newest first, optionally only those named by `references`. */
export async function listWorkspaces(context: AppContext, accountId: string, references: readonly string[]): Promise<WorkspaceRecord[]> {
  return context.store.read(async (tx) => {
    const all = await tx.workspaces.list(accountId);
    if (references.length === 0) return all;
    const wanted = new Set<string>();
    for (const reference of references) {
      const workspace = await resolveWorkspace(tx, accountId, reference);
      if (!isFailure(workspace)) wanted.add(workspace.id);
    }
    return all.filter((workspace) => wanted.has(workspace.id));
  });
}

export const getWorkspace = declaring(getWorkspaceOperation, async function getWorkspace(context: AppContext, accountId: string, reference: string): Promise<WorkspaceRecord | Failure> {
  return context.store.read((tx) => resolveWorkspace(tx, accountId, reference));
});

export const renameWorkspace = declaring(renameWorkspaceOperation, async function renameWorkspace(context: AppContext, accountId: string, reference: string, input: { name?: string | null | undefined }): Promise<WorkspaceRecord | Failure> {
  return context.store.transaction(async (tx) => {
    const workspace = await resolveWorkspace(tx, accountId, reference);
    if (isFailure(workspace)) return workspace;
    const name = input.name;
    if (name === undefined || name === null || name === workspace.name) return workspace;
    if ((await tx.workspaces.findByName(accountId, name)) !== undefined) return nameTaken(name);
    if ((await tx.workspaces.rename(workspace.id, name)) === 'name_taken') return nameTaken(name);
    return { ...workspace, name };
  });
});

export const deleteWorkspace = declaring(deleteWorkspaceOperation, async function deleteWorkspace(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const workspace = await resolveWorkspace(tx, accountId, reference);
    if (isFailure(workspace)) return workspace;
    // Under the workspace's lock, so that nothing is created in it between the checks and the deletion.
    if (!(await tx.workspaces.lockForChange(workspace.id))) return workspaceNotFound(reference);
    const account = (await tx.accounts.find(accountId))!;
    const contents = {
      pools: await tx.pools.countInWorkspace(workspace.id),
      images: await tx.images.countInWorkspace(workspace.id),
      instanceTemplates: await tx.instanceTemplates.countInWorkspace(workspace.id),
    };
    const refusal = workspaceDeletionRefusal(workspace.name, account.defaultWorkspaceId === workspace.id, contents);
    if (refusal !== null) return refusal;
    await tx.workspaces.softDelete(workspace.id, now);
    return null;
  });
});
