// Tenancy's records and repositories: accounts, their API tokens and workspaces.

import type { PageRequest } from '../domain/kernel/pagination.js';
import type { NamedWrite } from './kernel.js';

export interface AccountRecord {
  readonly seq: number;
  readonly id: string;
  readonly name: string;
  readonly defaultWorkspaceId: string;
  readonly createdAt: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly accountId: string;
  readonly tokenHash: string;
  readonly suffix: string;
  readonly createdAt: number;
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
  insert(token: TokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<{ readonly accountId: string; readonly tokenId: string } | undefined>;
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
}
