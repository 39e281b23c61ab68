// The rules for changing workspaces.

import { fail, type Failure } from '../kernel/failures.js';

/** What a workspace still holds; it can only be deleted when all are zero. */
export interface WorkspaceContents {
  readonly pools: number;
  readonly images: number;
  readonly instanceTemplates: number;
}

/** Why a workspace cannot be deleted, or null when it can. Checked in this order. */
export function workspaceDeletionRefusal(name: string, isDefault: boolean, contents: WorkspaceContents): Failure | null {
  if (isDefault) return fail('workspace_is_default', `Workspace "${name}" is the account's default workspace and cannot be deleted`);
  const held = [
    [contents.pools, 'pool(s)'],
    [contents.images, 'image(s)'],
    [contents.instanceTemplates, 'instance template(s)'],
  ].filter(([count]) => Number(count) > 0);
  if (held.length > 0) {
    return fail('workspace_not_empty', `Workspace "${name}" is not empty: it holds ${held.map(([count, what]) => `${count} ${what}`).join(', ')}`);
  }
  return null;
}
