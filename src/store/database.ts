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
  name: string | null;
  description: string | null;
  origin_client: string | null;
  user_id: string | null;
  expires_at: number | null;
  revoked_at: number | null;
  last_active_at: number | null;
}

export interface UsersTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  email: string;
  email_key: string;
  first_name: string | null;
  last_name: string | null;
  created_at: number;
  deleted_at: number | null;
}

export interface FeatureFlagSettingsTable {
  account_id: string;
  feature_flag: string;
  enabled: number;
  user_enroll: number;
  updated_at: number;
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
  /** The schedule's next step after the last time it was reconciled at, or null. */
  next_boundary_at: number | null;
}

export interface ImagesTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  workspace_id: string;
  name: string;
  upload_status: string;
  sha256: string | null;
  size: number | null;
  is_public: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface ImagePartsTable {
  image_id: string;
  part_id: number;
  size: number;
}

export interface InstanceTemplatesTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  workspace_id: string;
  name: string;
  image_id: string;
  cloud_init_user_data: string | null;
  tags: string;
  created_at: number;
  deleted_at: number | null;
}

export interface DeploymentsTable {
  seq: Generated<number>;
  id: string;
  kind: string;
  account_id: string;
  workspace_id: string;
  name: string;
  pool_id: string;
  instance_sku_id: string;
  instance_template_id: string;
  enabled: number;
  target_instance_count: number;
  instance_name_template: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  procurement_id: Generated<string | null>;
  /** When the engine next brings the deployment closer to its target; null when it is there. */
  reconcile_at: Generated<number | null>;
}

export interface InstanceRunsTable {
  seq: Generated<number>;
  instance_id: string;
  intent: string;
  state: string;
  driver: string | null;
  handle: string | null;
  ssh_port: number | null;
  https_port: number | null;
  failure: string | null;
  requested_at: number;
  updated_at: number;
  /** The fleet's: the host and node the run is placed on, and what its agent last reported. */
  host_id: string | null;
  node_index: number | null;
  /** JSON text: `[{key_type, key}]`. */
  host_keys: string | null;
  reported_at: number | null;
  /** A server-local driver's: the place (state directory) the guest is launched in, claimed before the launch. */
  place: Generated<string | null>;
  /** JSON text: the SSH details the guest worker published (`PublishedSsh`). */
  ssh: Generated<string | null>;
  /** When the guest started, was ready, ended, as its agent reported (on allot's clock). */
  guest_started_at: Generated<number | null>;
  guest_ready_at: Generated<number | null>;
  guest_ended_at: Generated<number | null>;
}

export interface InstancesTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  workspace_id: string;
  name: string;
  pool_id: string;
  instance_sku_id: string;
  image_id: string;
  deployment_id: string | null;
  cloud_init_user_data: string | null;
  tags: string;
  priority: string;
  status: string;
  enable_public_ipv4: number;
  firewall: string | null;
  infiniband: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  ended_at: number | null;
  deleted_at: number | null;
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

export interface OrdersTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  workspace_id: string;
  pool_id: string;
  side: string;
  instance_sku_id: string;
  start_at: number;
  end_at: number;
  node_count: number;
  limit_micros: number;
  allow_standing: number;
  allow_partial: number;
  status: string;
  /** JSON steps: nodes not yet filled. */
  remaining: string;
  /** JSON steps: nodes filled so far. */
  filled: string;
  hold_micros: number;
  procurement_id: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  filled_at: number | null;
  cancelled_at: number | null;
  rejected_reason: string | null;
}

export interface ContractsTable {
  seq: Generated<number>;
  id: string;
  instance_sku_id: string;
  buy_order_id: string;
  sell_order_id: string;
  schedule: string;
  start_at: number;
  end_at: number;
  price_micros: number;
  total_micros: number;
  fee_micros: number;
  filled_at: number;
}

export interface MoneyAccountsTable {
  key: string;
  balance_micros: number;
}

export interface MoneyEntriesTable {
  seq: Generated<number>;
  id: string;
  from_key: string;
  to_key: string;
  amount_micros: number;
  reason: string;
  order_id: string | null;
  contract_id: string | null;
  created_at: number;
}

export interface AccountTransactionsTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  type: string;
  amount_micros: number;
  balance_after_micros: number;
  order_id: string | null;
  memo: string | null;
  created_at: number;
}

export interface ProcurementsTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  workspace_id: string;
  name: string;
  pool_id: string;
  instance_sku_id: string;
  /** Nodes, or -1 for `node_count`. */
  target: number;
  min_sell_micros: number;
  max_buy_micros: number;
  managed_window_minutes: number;
  enabled: number;
  status_state: string;
  status_message: string;
  next_run_at: number | null;
  /** When the minute-by-minute model runs it next; before `next_run_at` while runs are skipped. */
  run_due_at: number | null;
  starts_at: number | null;
  created_at: number;
  updated_at: number;
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

export interface NodesTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  workspace_id: string;
  name: string;
  node_type: string;
  pool_id: string;
  instance_sku_id: string;
  deployment_id: string | null;
  max_price_cents: number;
  start_at: number | null;
  end_at: number | null;
  released_at: number | null;
  image_id: string;
  cloud_init_user_data: string | null;
  forward_443: number;
  infiniband: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface HostTokensTable {
  seq: Generated<number>;
  id: string;
  name: string;
  token_hash: string;
  suffix: string;
  created_at: number;
  revoked_at: number | null;
}

export interface HostsTable {
  seq: Generated<number>;
  id: string;
  token_id: string;
  hostname: string;
  address: string;
  instance_sku_id: string;
  node_count: number;
  /** JSON text: `[{model, count}]`. */
  accelerators: string;
  cpus: number;
  memory_bytes: number;
  disk_bytes: number;
  driver: string;
  registered_at: number;
  last_heartbeat_at: number;
  cordoned_at: number | null;
  maintenance_start_at: number | null;
  maintenance_end_at: number | null;
  /** 1 once the window's start was acted on (its instances ended). */
  maintenance_started: number;
  down_at: number | null;
  /** Where the host's node-time is issued now, and how many nodes (0 when it issues none). */
  supply_pool_id: string | null;
  supply_nodes: number;
  removed_at: number | null;
  /** JSON steps: node-time the host issued that is sold and no longer backed, not yet taken back. */
  unbacked: string;
  /** Up to when unbacked node-time has been taken back from its holders (a down host's, an hour at a time). */
  reclaimed_until: number | null;
  /** When the last heartbeat was sent, on the agent's clock. */
  last_heartbeat_sent_at: number | null;
}

export interface FleetInstanceSkusTable {
  instance_sku_id: string;
  supply_pool_id: string | null;
  updated_at: number;
}

export interface InstanceLogChunksTable {
  instance_id: string;
  seqnum: number;
  at: number;
  monotonic_seconds: number;
  monotonic_nanos: number;
  data_base64: string;
}

export interface Database {
  accounts: AccountsTable;
  api_tokens: ApiTokensTable;
  users: UsersTable;
  feature_flag_settings: FeatureFlagSettingsTable;
  workspaces: WorkspacesTable;
  pools: PoolsTable;
  instance_skus: InstanceSkusTable;
  allocation_entries: AllocationEntriesTable;
  allocation_balances: AllocationBalancesTable;
  pool_transfers: PoolTransfersTable;
  images: ImagesTable;
  image_parts: ImagePartsTable;
  instance_templates: InstanceTemplatesTable;
  deployments: DeploymentsTable;
  instances: InstancesTable;
  instance_runs: InstanceRunsTable;
  orders: OrdersTable;
  contracts: ContractsTable;
  money_accounts: MoneyAccountsTable;
  money_entries: MoneyEntriesTable;
  account_transactions: AccountTransactionsTable;
  procurements: ProcurementsTable;
  nodes: NodesTable;
  settings: SettingsTable;
  idempotency_keys: IdempotencyKeysTable;
  host_tokens: HostTokensTable;
  hosts: HostsTable;
  fleet_instance_skus: FleetInstanceSkusTable;
  instance_log_chunks: InstanceLogChunksTable;
  allot_schema_version: SchemaVersionTable;
}
