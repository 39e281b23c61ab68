// The rules for changing workspaces.

import { fail, type Failure } from './failures.js';

/** What a workspace still holds; it can only be deleted when all are zero. */
export interface WorkspaceContents {
  readonly pools: number;
}

/** Why a workspace cannot be deleted, or null when it can. Checked in this order. */
export function workspaceDeletionRefusal(name: string, isDefault: boolean, contents: WorkspaceContents): Failure | null {
  if (isDefault) return fail('workspace_is_default', `Workspace "${name}" is the account's default workspace and cannot be deleted`);
  if (contents.pools > 0) return fail('workspace_not_empty', `Workspace "${name}" is not empty: it holds ${contents.pools} pool(s)`);
  return null;
}
