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

export interface InstanceSkusTable {
  seq: Generated<number>;
  id: string;
  alias: string;
  /** JSON object of the SKU's properties. */
  properties: string;
  created_at: number;
}

export interface AllocationEntriesTable {
  seq: Generated<number>;
  id: string;
  kind: string;
  instance_sku_id: string;
  from_pool_id: string | null;
  to_pool_id: string | null;
  /** JSON steps of the schedule moved. */
  delta: string;
  reference_id: string | null;
  created_at: number;
}

export interface AllocationBalancesTable {
  pool_id: string;
  instance_sku_id: string;
  /** JSON steps of the schedule held. */
  schedule: string;
}

export interface PoolTransfersTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  from_pool_id: string;
  to_pool_id: string;
  instance_sku_id: string;
  delta: string;
  status: string;
  rejected_reason: string | null;
  created_at: number;
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
  instance_skus: InstanceSkusTable;
  allocation_entries: AllocationEntriesTable;
  allocation_balances: AllocationBalancesTable;
  pool_transfers: PoolTransfersTable;
  settings: SettingsTable;
  idempotency_keys: IdempotencyKeysTable;
  allot_schema_version: SchemaVersionTable;
}
