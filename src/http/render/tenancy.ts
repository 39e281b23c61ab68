// Tenancy as the API shows it: accounts (the operator's view, and the caller's own), API tokens
// and workspaces.

import type { CreatedAccount } from '../../app/tenancy/accounts.js';
import type { IssuedToken, TokenPage } from '../../app/tenancy/tokens.js';
import type { Failure } from '../../domain/kernel/failures.js';
import type { FeatureFlagState } from '../../domain/tenancy/feature-flags.js';
import { formatResourcePath, resourceTypes } from '../../domain/kernel/resource-paths.js';
import { tokenRefusal } from '../../domain/tenancy/tokens.js';
import type { AccountRecord, TokenRecord, UserRecord, WorkspaceRecord } from '../../store/tenancy.js';

export function renderAccount(account: Omit<AccountRecord, 'seq'>) {
  return { object: 'account' as const, id: account.id, name: account.name, default_workspace: account.defaultWorkspaceId, created_at: account.createdAt };
}

/** A new account, with its first token: shown once. */
export function renderCreatedAccount(created: CreatedAccount) {
  return { ...renderAccount(created.account), token: created.token };
}

function tokenStatus(token: TokenRecord, now: number): 'active' | 'expired' | 'revoked' {
  if (token.revokedAt !== null) return 'revoked';
  return tokenRefusal(token, now) === null ? 'active' : 'expired';
}

/** A token as the operator sees it (never its value), judged at `now`. */
export function renderApiToken(token: TokenRecord, now: number) {
  return {
    object: 'api_token' as const,
    id: token.id,
    account: token.accountId,
    user: token.userId,
    name: token.name,
    description: token.description,
    suffix: token.suffix,
    origin_client: token.originClient,
    status: tokenStatus(token, now),
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    last_used_at: token.lastActiveAt,
    revoked_at: token.revokedAt,
  };
}

/** A page of an account's tokens, as the operator sees them. */
export function renderApiTokenPage(page: TokenPage) {
  return { object: 'list' as const, data: page.data.map((token) => renderApiToken(token, page.now)), has_more: page.has_more, cursor: page.cursor };
}

/** A token just issued, with its value: shown once. */
export function renderCreatedToken(issued: IssuedToken) {
  return { ...renderApiToken(issued.record, issued.record.createdAt), token: issued.token };
}

const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A token as SF Compute's legacy `/v0/tokens` shows it. */
export function renderV0Token(token: TokenRecord) {
  return {
    object: 'token' as const,
    id: token.id,
    name: token.name,
    description: token.description,
    is_sandbox: false,
    created_at: isoTime(token.createdAt),
    last_active_at: token.lastActiveAt === null ? null : isoTime(token.lastActiveAt),
    expires_at: token.expiresAt === null ? null : isoTime(token.expiresAt),
    origin_client: token.originClient ?? 'operator',
    is_system: token.originClient === null,
  };
}

/** `GET /v0/tokens`: the list envelope the `sf` CLI reads `data` from. */
export function renderV0TokenPage(page: TokenPage) {
  return { object: 'list' as const, data: page.data.map(renderV0Token), has_more: page.has_more, cursor: page.cursor };
}

export function renderV0CreatedToken(issued: IssuedToken) {
  return { ...renderV0Token(issued.record), token: issued.token };
}

export function renderV0DeletedToken(revoked: { readonly record: TokenRecord }) {
  return { object: 'token' as const, id: revoked.record.id, deleted: true as const };
}

/** The legacy API's 404 for a token: the envelope, and the top-level `code` the `sf` CLI reads. */
export function renderV0TokenNotFound(failure: Failure) {
  return { error: { type: 'not_found' as const, message: failure.message }, code: 'token.not_found' as const };
}

/** `GET /v0/me`: the calling account's id, all the `sf` CLI reads. */
export function renderV0Me(account: AccountRecord) {
  return { id: account.id };
}

export function renderV0Ping(now: number) {
  return { object: 'ping' as const, ok: true as const, time: isoTime(now) };
}

/** `/preview/v2/me`: the calling account, and the user its token acts for. */
export function renderMe(me: { readonly account: AccountRecord; readonly user: UserRecord | null }) {
  return { object: 'account' as const, account_id: me.account.id, created_at: me.account.createdAt, entity_type: null, user: me.user === null ? null : renderUser(me.user) };
}

export function renderUser(user: UserRecord) {
  return {
    object: 'user' as const,
    id: user.id,
    resource_path: `sfc:user:${user.id}`,
    created_at: user.createdAt,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
  };
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

/** `GET /v2/feature_flags/{flag}`: all the `sf` CLI reads. */
export function renderFeatureFlagEnabled(flag: FeatureFlagState) {
  return { enabled: flag.enabled };
}

export function renderFeatureFlag(flag: FeatureFlagState) {
  return { object: 'feature_flag' as const, feature_flag: flag.featureFlag, description: flag.description, user_enroll: flag.userEnroll, enrolled: flag.enabled };
}

/** The flag list is short: one page holds it. */
export function renderFeatureFlags(flags: readonly FeatureFlagState[]) {
  return { object: 'list' as const, data: flags.map(renderFeatureFlag), has_more: false };
}

export function renderFeatureFlagEnrollment(flag: FeatureFlagState) {
  return { object: 'feature_flag' as const, feature_flag: flag.featureFlag, enrolled: flag.enabled };
}
