// The tables as Kysely sees them: one source for the column types both stores use. Times are
// integer Unix seconds; JSON columns hold text, parsed at the store's edge.

import type { Generated } from 'kysely';

export interface AccountsTable {
  seq: Generated<number>;
  id: string;
  name: string;
  default_workspace_id: string;
  created_at: number;
}

export interface ApiTokensTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  token_hash: string;
  suffix: string;
  created_at: number;
}

export interface WorkspacesTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  name: string;
  created_at: number;
  deleted_at: number | null;
}

export interface PoolsTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  workspace_id: string;
  name: string;
  kind: string;
  /** JSON object text. */
  tags: string;
  created_at: number;
  deleted_at: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  operation: string;
  request_hash: string;
  status_code: number;
  /** JSON text of the original response body. */
  response_body: string;
  created_at: number;
}

export interface SchemaVersionTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface Database {
  accounts: AccountsTable;
  api_tokens: ApiTokensTable;
  workspaces: WorkspacesTable;
  pools: PoolsTable;
  settings: SettingsTable;
  idempotency_keys: IdempotencyKeysTable;
  allot_schema_version: SchemaVersionTable;
}
