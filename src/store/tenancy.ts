// Tenancy's records and repositories: accounts, their API tokens, users, feature flag settings
// and workspaces.

import type { PageRequest } from '../domain/kernel/pagination.js';
import type { DeletedContainerContent, NamedWrite } from './kernel.js';

export interface AccountRecord {
  readonly seq: number;
  readonly id: string;
  readonly name: string;
  readonly defaultWorkspaceId: string;
  readonly createdAt: number;
}

/** A token as a request presents it: with the email of the user it acts for, which an order it
 * places shows as its creator's (users' emails never change). */
export interface PresentedToken extends TokenRecord {
  readonly userEmail: string | null;
}

export interface TokenRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  /** The user the token acts for, or null for a token of the account itself. */
  readonly userId: string | null;
  /** SHA-256 of the token; the token itself is never stored. */
  readonly tokenHash: string;
  /** The token's last four characters, so that a person can tell tokens apart. */
  readonly suffix: string;
  readonly name: string | null;
  readonly description: string | null;
  /** Which client asked for it (`cli` for `sf tokens create`), or null when the operator issued it. */
  readonly originClient: string | null;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  /** When it was last used, to within `tokenActivityIntervalSeconds`. */
  readonly lastActiveAt: number | null;
  readonly createdAt: number;
}

export interface UserRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly createdAt: number;
}

export interface FeatureFlagSettingRecord {
  readonly accountId: string;
  readonly featureFlag: string;
  readonly enabled: boolean;
  readonly userEnroll: boolean;
  readonly updatedAt: number;
}

export interface WorkspaceRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly createdAt: number;
}

export interface AccountRepository {
  insert(account: Omit<AccountRecord, 'seq'>): Promise<void>;
  find(id: string): Promise<AccountRecord | undefined>;
  list(page: PageRequest): Promise<AccountRecord[]>;
  count(): Promise<number>;
}

export interface TokenRepository {
  insert(token: Omit<TokenRecord, 'seq' | 'revokedAt' | 'lastActiveAt'>): Promise<void>;
  /** Any token with this hash, revoked and expired ones too: the caller decides. */
  findByHash(tokenHash: string): Promise<PresentedToken | undefined>;
  findById(id: string): Promise<TokenRecord | undefined>;
  /** One page of an account's tokens, newest first; revoked ones only when asked for. */
  list(accountId: string, page: PageRequest, options: { readonly includeRevoked: boolean }): Promise<TokenRecord[]>;
  /** Revokes a token unless it already is; says whether this call revoked it. */
  revoke(id: string, now: number): Promise<boolean>;
  /** Revokes every live token of a user. */
  revokeOfUser(userId: string, now: number): Promise<number>;
  /** Records a use at `now`, unless one at or after `dueBefore` is already recorded: concurrent
   * uses write once. */
  recordActivity(id: string, now: number, dueBefore: number): Promise<void>;
}

export interface UserRepository {
  /** `name_taken` when a live user of the account has the same email (in any case). */
  insert(user: Omit<UserRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<UserRecord | undefined>;
  /** A live user of any account, for the operator. */
  findAnyById(id: string): Promise<UserRecord | undefined>;
  /** One page of an account's live users, newest first, optionally only these ids or this email. */
  list(accountId: string, page: PageRequest, filter: { readonly ids?: readonly string[]; readonly email?: string }): Promise<UserRecord[]>;
  softDelete(id: string, now: number): Promise<void>;
}

export interface FeatureFlagRepository {
  listForAccount(accountId: string): Promise<FeatureFlagSettingRecord[]>;
  find(accountId: string, featureFlag: string): Promise<FeatureFlagSettingRecord | undefined>;
  upsert(setting: FeatureFlagSettingRecord): Promise<void>;
}

export interface WorkspaceRepository {
  insert(workspace: Omit<WorkspaceRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<WorkspaceRecord | undefined>;
  findByName(accountId: string, name: string): Promise<WorkspaceRecord | undefined>;
  /** The account's live workspaces, newest first. */
  list(accountId: string): Promise<WorkspaceRecord[]>;
  count(accountId: string): Promise<number>;
  rename(id: string, name: string): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
  /**
   * Serialises the creation of the account's workspaces (a transaction-scoped advisory lock on
   * PostgreSQL), so that the count checked against the limit stays true until the insert commits.
   */
  lockCreation(accountId: string): Promise<void>;
  /**
   * Locks a workspace against everything that adds to it, before deciding to delete it (FOR NO
   * KEY UPDATE on PostgreSQL; SQLite's transactions hold the database already). False when it
   * was deleted meanwhile. See the lock order in docs/architecture.md.
   */
  lockForChange(id: string): Promise<boolean>;
  /**
   * Locks a workspace so that it cannot be deleted until the transaction ends (FOR SHARE), before
   * something is created in it; false when a deletion that committed first removed it.
   */
  lockLive(id: string): Promise<boolean>;
  /** What is still live in a deleted workspace (pools, images, instance templates), for audits. */
  liveContentsOfDeleted(): Promise<DeletedContainerContent[]>;
}
