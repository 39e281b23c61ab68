// Tenancy as the API shows it: accounts (the operator's view, and the caller's own), API tokens
// and workspaces.

import type { CreatedAccount } from '../../app/tenancy/accounts.js';
import { formatResourcePath, resourceTypes } from '../../domain/kernel/resource-paths.js';
import type { AccountRecord, WorkspaceRecord } from '../../store/tenancy.js';

export function renderAccount(account: Omit<AccountRecord, 'seq'>) {
  return { object: 'account' as const, id: account.id, name: account.name, default_workspace: account.defaultWorkspaceId, created_at: account.createdAt };
}

/** A new account, with its first token: shown once. */
export function renderCreatedAccount(created: CreatedAccount) {
  return { ...renderAccount(created.account), token: created.token };
}

export function renderCreatedToken(issued: { readonly id: string; readonly accountId: string; readonly token: string; readonly createdAt: number }) {
  return { object: 'api_token' as const, id: issued.id, account: issued.accountId, token: issued.token, created_at: issued.createdAt };
}

/** `/preview/v2/me`: the calling account. */
export function renderMe(account: AccountRecord) {
  return { object: 'account' as const, account_id: account.id, created_at: account.createdAt, entity_type: null, user: null };
}

export function renderWorkspace(workspace: WorkspaceRecord) {
  return {
    object: 'workspace' as const,
    id: workspace.id,
    resource_path: formatResourcePath(resourceTypes.workspace, workspace.accountId, null, workspace.name),
    owner: workspace.accountId,
    name: workspace.name,
    created_at: workspace.createdAt,
  };
}

/** Workspaces are few: one page holds them all. */
export function renderWorkspaces(workspaces: readonly WorkspaceRecord[]) {
  return { object: 'list' as const, data: workspaces.map(renderWorkspace), has_more: false };
}
