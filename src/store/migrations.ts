// The schema's numbered migrations, append-only: a released migration is never edited; a change
// is a new migration. Each is written once, in SQL both engines share, with the few words that
// differ taken from the dialect's `SqlTypes`. Each runs in its own transaction.

export interface SqlTypes {
  /** An auto-incrementing integer primary key: insertion order, used by list cursors. */
  readonly seq: string;
  /** A 64-bit integer: Unix seconds, micro-dollars, node-seconds. */
  readonly int: string;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: (types: SqlTypes) => readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation: accounts, tokens, workspaces, pools, settings, idempotency keys',
    statements: ({ seq, int }) => [
      `CREATE TABLE accounts (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        default_workspace_id TEXT NOT NULL,
        created_at ${int} NOT NULL
      )`,
      `CREATE TABLE api_tokens (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        token_hash TEXT NOT NULL UNIQUE,
        suffix TEXT NOT NULL,
        created_at ${int} NOT NULL
      )`,
      `CREATE TABLE workspaces (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        name TEXT NOT NULL,
        created_at ${int} NOT NULL,
        deleted_at ${int}
      )`,
      `CREATE UNIQUE INDEX workspaces_name ON workspaces (account_id, name) WHERE deleted_at IS NULL`,
      `CREATE TABLE pools (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        tags TEXT NOT NULL,
        created_at ${int} NOT NULL,
        deleted_at ${int}
      )`,
      `CREATE UNIQUE INDEX pools_name ON pools (workspace_id, name) WHERE deleted_at IS NULL`,
      `CREATE INDEX pools_account ON pools (account_id, seq)`,
      `CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      )`,
      `CREATE TABLE idempotency_keys (
        account_id TEXT NOT NULL,
        key TEXT NOT NULL,
        operation TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status_code INTEGER NOT NULL,
        response_body TEXT NOT NULL,
        created_at ${int} NOT NULL,
        PRIMARY KEY (account_id, key)
      )`,
      `CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`,
    ],
  },
  {
    version: 2,
    name: 'allocation: instance SKUs, the node-second ledger, balances, pool transfers',
    statements: ({ seq, int }) => [
      `CREATE TABLE instance_skus (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        alias TEXT NOT NULL UNIQUE,
        properties TEXT NOT NULL,
        created_at ${int} NOT NULL
      )`,
      // The ledger: every change of allocation, append-only. An issuance has no source pool, a
      // retirement no destination; the delta is a schedule of node counts (JSON steps).
      `CREATE TABLE allocation_entries (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        from_pool_id TEXT REFERENCES pools (id),
        to_pool_id TEXT REFERENCES pools (id),
        delta TEXT NOT NULL,
        reference_id TEXT,
        created_at ${int} NOT NULL
      )`,
      `CREATE INDEX allocation_entries_sku ON allocation_entries (instance_sku_id, seq)`,
      // Each pool's holding of each SKU: the sum of the entries into it minus those out of it,
      // kept up to date in the same transaction as every entry.
      `CREATE TABLE allocation_balances (
        pool_id TEXT NOT NULL REFERENCES pools (id),
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        schedule TEXT NOT NULL,
        PRIMARY KEY (pool_id, instance_sku_id)
      )`,
      `CREATE TABLE pool_transfers (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        from_pool_id TEXT NOT NULL REFERENCES pools (id),
        to_pool_id TEXT NOT NULL REFERENCES pools (id),
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        delta TEXT NOT NULL,
        status TEXT NOT NULL,
        rejected_reason TEXT,
        created_at ${int} NOT NULL
      )`,
      `CREATE INDEX pool_transfers_account ON pool_transfers (account_id, seq)`,
    ],
  },
  {
    version: 3,
    name: 'instances: images and their parts, instance templates, deployments, instances, boundary tracking',
    statements: ({ seq, int }) => [
      `CREATE TABLE images (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        upload_status TEXT NOT NULL,
        sha256 TEXT,
        size ${int},
        is_public INTEGER NOT NULL,
        created_at ${int} NOT NULL,
        updated_at ${int} NOT NULL,
        deleted_at ${int}
      )`,
      `CREATE UNIQUE INDEX images_name ON images (workspace_id, name) WHERE deleted_at IS NULL`,
      `CREATE TABLE image_parts (
        image_id TEXT NOT NULL REFERENCES images (id),
        part_id INTEGER NOT NULL,
        size ${int} NOT NULL,
        PRIMARY KEY (image_id, part_id)
      )`,
      `CREATE TABLE instance_templates (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        image_id TEXT NOT NULL REFERENCES images (id),
        cloud_init_user_data TEXT,
        tags TEXT NOT NULL,
        created_at ${int} NOT NULL,
        deleted_at ${int}
      )`,
      `CREATE UNIQUE INDEX instance_templates_name ON instance_templates (workspace_id, name) WHERE deleted_at IS NULL`,
      `CREATE TABLE deployments (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        pool_id TEXT NOT NULL REFERENCES pools (id),
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        instance_template_id TEXT NOT NULL REFERENCES instance_templates (id),
        enabled INTEGER NOT NULL,
        target_instance_count INTEGER NOT NULL,
        instance_name_template TEXT NOT NULL,
        created_at ${int} NOT NULL,
        updated_at ${int} NOT NULL,
        deleted_at ${int}
      )`,
      `CREATE UNIQUE INDEX deployments_name ON deployments (workspace_id, name) WHERE deleted_at IS NULL`,
      `CREATE INDEX deployments_pool ON deployments (pool_id) WHERE deleted_at IS NULL`,
      `CREATE TABLE instances (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        pool_id TEXT NOT NULL REFERENCES pools (id),
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        image_id TEXT NOT NULL REFERENCES images (id),
        deployment_id TEXT REFERENCES deployments (id),
        cloud_init_user_data TEXT,
        tags TEXT NOT NULL,
        priority TEXT NOT NULL,
        status TEXT NOT NULL,
        enable_public_ipv4 INTEGER NOT NULL,
        firewall TEXT,
        infiniband INTEGER NOT NULL,
        created_at ${int} NOT NULL,
        updated_at ${int} NOT NULL,
        started_at ${int},
        ended_at ${int},
        deleted_at ${int}
      )`,
      `CREATE UNIQUE INDEX instances_name ON instances (workspace_id, name) WHERE deleted_at IS NULL`,
      `CREATE INDEX instances_live ON instances (pool_id, instance_sku_id, status)`,
      `CREATE INDEX instances_account ON instances (account_id, seq)`,
      `CREATE INDEX instances_deployment ON instances (deployment_id, status)`,
      // When each balance next changes, so that the engine finds due boundaries by index.
      `ALTER TABLE allocation_balances ADD COLUMN next_boundary_at ${int}`,
      `CREATE INDEX allocation_balances_boundary ON allocation_balances (next_boundary_at)`,
    ],
  },
];
