// The schema's numbered migrations, append-only: a released migration is never edited; a change
// is a new migration. Each is written once, in SQL both engines share, with the few words that
// differ taken from the dialect's `SqlTypes`. The migrator runs those a database lacks in one transaction.

export interface SqlTypes {
  /** An auto-incrementing integer primary key: insertion order, used by list cursors. */
  readonly seq: string;
  /** A 64-bit integer: Unix seconds, micro-dollars, node-seconds. */
  readonly int: string;
  /** Whether a table's pages can be left part empty (PostgreSQL's `fillfactor`; SQLite has none). */
  readonly fillfactor: boolean;
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
  {
    version: 4,
    name: 'market: orders, contracts, money ledger and transactions, procurements, spot deployments',
    statements: ({ seq, int }) => [
      `CREATE TABLE orders (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        pool_id TEXT NOT NULL REFERENCES pools (id),
        side TEXT NOT NULL,
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        start_at ${int} NOT NULL,
        end_at ${int} NOT NULL,
        node_count ${int} NOT NULL,
        limit_micros ${int} NOT NULL,
        allow_standing INTEGER NOT NULL,
        allow_partial INTEGER NOT NULL,
        status TEXT NOT NULL,
        remaining TEXT NOT NULL,
        filled TEXT NOT NULL,
        hold_micros ${int} NOT NULL,
        procurement_id TEXT,
        created_by TEXT,
        created_at ${int} NOT NULL,
        updated_at ${int} NOT NULL,
        filled_at ${int},
        cancelled_at ${int},
        rejected_reason TEXT
      )`,
      `CREATE INDEX orders_book ON orders (instance_sku_id, side, status, limit_micros, seq)`,
      `CREATE INDEX orders_account ON orders (account_id, seq)`,
      `CREATE INDEX orders_expiry ON orders (status, end_at)`,
      `CREATE INDEX orders_procurement ON orders (procurement_id, status)`,
      // A contract: one trade between a buy and a sell order.
      `CREATE TABLE contracts (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        buy_order_id TEXT NOT NULL REFERENCES orders (id),
        sell_order_id TEXT NOT NULL REFERENCES orders (id),
        schedule TEXT NOT NULL,
        start_at ${int} NOT NULL,
        end_at ${int} NOT NULL,
        price_micros ${int} NOT NULL,
        total_micros ${int} NOT NULL,
        fee_micros ${int} NOT NULL,
        filled_at ${int} NOT NULL
      )`,
      `CREATE INDEX contracts_sku ON contracts (instance_sku_id, filled_at)`,
      `CREATE INDEX contracts_buy ON contracts (buy_order_id)`,
      `CREATE INDEX contracts_sell ON contracts (sell_order_id)`,
      // The money ledger: balances per ledger account, and append-only entries moving money
      // from one to another. Keys: cash:<account>, held:<account>, fees, granted.
      `CREATE TABLE money_accounts (
        key TEXT PRIMARY KEY,
        balance_micros ${int} NOT NULL
      )`,
      `CREATE TABLE money_entries (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        from_key TEXT NOT NULL,
        to_key TEXT NOT NULL,
        amount_micros ${int} NOT NULL,
        reason TEXT NOT NULL,
        order_id TEXT,
        contract_id TEXT,
        created_at ${int} NOT NULL
      )`,
      // What each account sees of its money: grants, buys and sells, with the balance after.
      `CREATE TABLE account_transactions (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        type TEXT NOT NULL,
        amount_micros ${int} NOT NULL,
        balance_after_micros ${int} NOT NULL,
        order_id TEXT,
        memo TEXT,
        created_at ${int} NOT NULL
      )`,
      `CREATE INDEX account_transactions_account ON account_transactions (account_id, seq)`,
      `CREATE TABLE procurements (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        pool_id TEXT NOT NULL REFERENCES pools (id),
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        target ${int} NOT NULL,
        min_sell_micros ${int} NOT NULL,
        max_buy_micros ${int} NOT NULL,
        managed_window_minutes INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        status_state TEXT NOT NULL,
        status_message TEXT NOT NULL,
        next_run_at ${int},
        created_at ${int} NOT NULL,
        updated_at ${int} NOT NULL,
        deleted_at ${int}
      )`,
      `CREATE UNIQUE INDEX procurements_name ON procurements (workspace_id, name) WHERE deleted_at IS NULL`,
      `CREATE UNIQUE INDEX procurements_pool_sku ON procurements (pool_id, instance_sku_id) WHERE deleted_at IS NULL`,
      `CREATE INDEX procurements_due ON procurements (next_run_at)`,
      `ALTER TABLE deployments ADD COLUMN procurement_id TEXT`,
    ],
  },
  {
    version: 5,
    name: 'v1 nodes: a reservation of one machine over a pool, its orders or spot deployment, and its instances',
    statements: ({ seq, int }) => [
      `CREATE TABLE nodes (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        node_type TEXT NOT NULL,
        pool_id TEXT NOT NULL REFERENCES pools (id),
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        deployment_id TEXT,
        max_price_cents ${int} NOT NULL,
        start_at ${int},
        end_at ${int},
        released_at ${int},
        image_id TEXT NOT NULL,
        cloud_init_user_data TEXT,
        forward_443 INTEGER NOT NULL,
        infiniband INTEGER NOT NULL,
        created_at ${int} NOT NULL,
        updated_at ${int} NOT NULL,
        deleted_at ${int}
      )`,
      `CREATE UNIQUE INDEX nodes_name ON nodes (account_id, name) WHERE deleted_at IS NULL`,
      `CREATE INDEX nodes_account ON nodes (account_id, seq)`,
    ],
  },
  {
    version: 6,
    name: 'instance runs: what allot asked a driver to run (the intent) and what the driver did (the effect)',
    statements: ({ seq, int }) => [
      `CREATE TABLE instance_runs (
        seq ${seq},
        instance_id TEXT NOT NULL UNIQUE REFERENCES instances (id),
        intent TEXT NOT NULL,
        state TEXT NOT NULL,
        driver TEXT,
        handle TEXT,
        ssh_port INTEGER,
        https_port INTEGER,
        failure TEXT,
        requested_at ${int} NOT NULL,
        updated_at ${int} NOT NULL
      )`,
      `CREATE INDEX instance_runs_state ON instance_runs (state, intent)`,
    ],
  },
  {
    version: 7,
    name: 'tenancy: tokens as objects (named, expiring, revocable, last use), users, feature flag settings',
    statements: ({ seq, int }) => [
      // Existing tokens keep their hash and stay valid: no name, no expiry, never used yet.
      `ALTER TABLE api_tokens ADD COLUMN name TEXT`,
      `ALTER TABLE api_tokens ADD COLUMN description TEXT`,
      `ALTER TABLE api_tokens ADD COLUMN origin_client TEXT`,
      `ALTER TABLE api_tokens ADD COLUMN user_id TEXT`,
      `ALTER TABLE api_tokens ADD COLUMN expires_at ${int}`,
      `ALTER TABLE api_tokens ADD COLUMN revoked_at ${int}`,
      `ALTER TABLE api_tokens ADD COLUMN last_active_at ${int}`,
      `CREATE INDEX api_tokens_account ON api_tokens (account_id, seq)`,
      `CREATE INDEX api_tokens_user ON api_tokens (user_id)`,
      `CREATE TABLE users (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        email TEXT NOT NULL,
        email_key TEXT NOT NULL,
        first_name TEXT,
        last_name TEXT,
        created_at ${int} NOT NULL,
        deleted_at ${int}
      )`,
      `CREATE UNIQUE INDEX users_email ON users (account_id, email_key) WHERE deleted_at IS NULL`,
      `CREATE INDEX users_account ON users (account_id, seq)`,
      `CREATE TABLE feature_flag_settings (
        account_id TEXT NOT NULL REFERENCES accounts (id),
        feature_flag TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        user_enroll INTEGER NOT NULL,
        updated_at ${int} NOT NULL,
        PRIMARY KEY (account_id, feature_flag)
      )`,
    ],
  },
  {
    version: 8,
    name: 'fleet: host tokens, hosts, the SKUs they supply, where each run is placed, and agents\' console logs',
    statements: ({ seq, int }) => [
      `CREATE TABLE host_tokens (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        suffix TEXT NOT NULL,
        created_at ${int} NOT NULL,
        revoked_at ${int}
      )`,
      `CREATE TABLE hosts (
        seq ${seq},
        id TEXT NOT NULL UNIQUE,
        token_id TEXT NOT NULL REFERENCES host_tokens (id),
        hostname TEXT NOT NULL,
        address TEXT NOT NULL,
        instance_sku_id TEXT NOT NULL REFERENCES instance_skus (id),
        node_count INTEGER NOT NULL,
        accelerators TEXT NOT NULL,
        cpus INTEGER NOT NULL,
        memory_bytes ${int} NOT NULL,
        disk_bytes ${int} NOT NULL,
        driver TEXT NOT NULL,
        registered_at ${int} NOT NULL,
        last_heartbeat_at ${int} NOT NULL,
        cordoned_at ${int},
        maintenance_start_at ${int},
        maintenance_end_at ${int},
        maintenance_started INTEGER NOT NULL,
        down_at ${int},
        supply_pool_id TEXT,
        supply_nodes INTEGER NOT NULL,
        removed_at ${int}
      )`,
      `CREATE INDEX hosts_sku ON hosts (instance_sku_id, id)`,
      `CREATE TABLE fleet_instance_skus (
        instance_sku_id TEXT NOT NULL PRIMARY KEY REFERENCES instance_skus (id),
        supply_pool_id TEXT REFERENCES pools (id),
        updated_at ${int} NOT NULL
      )`,
      `ALTER TABLE instance_runs ADD COLUMN host_id TEXT`,
      `ALTER TABLE instance_runs ADD COLUMN node_index INTEGER`,
      `ALTER TABLE instance_runs ADD COLUMN host_keys TEXT`,
      `ALTER TABLE instance_runs ADD COLUMN reported_at ${int}`,
      // One node runs at most one instance: a run holds its node until it has ended.
      `CREATE UNIQUE INDEX instance_runs_node ON instance_runs (host_id, node_index) WHERE host_id IS NOT NULL AND state NOT IN ('stopped', 'failed', 'removed')`,
      `CREATE INDEX instance_runs_host ON instance_runs (host_id, instance_id)`,
      `CREATE TABLE instance_log_chunks (
        instance_id TEXT NOT NULL,
        seqnum ${int} NOT NULL,
        at ${int} NOT NULL,
        monotonic_seconds ${int} NOT NULL,
        monotonic_nanos ${int} NOT NULL,
        data_base64 TEXT NOT NULL,
        PRIMARY KEY (instance_id, seqnum)
      )`,
    ],
  },
  {
    version: 9,
    name: 'deployments: when a deployment left short of its target (or over it) is next brought closer, a batch at a time',
    statements: ({ int }) => [
      `ALTER TABLE deployments ADD COLUMN reconcile_at ${int}`,
      `CREATE INDEX deployments_due ON deployments (reconcile_at)`,
    ],
  },
  {
    version: 10,
    name: 'procurements: when a procurement begins to manage its window (an autoreserved v1 node\'s start_at)',
    statements: ({ int }) => [`ALTER TABLE procurements ADD COLUMN starts_at ${int}`],
  },
  {
    version: 11,
    name: 'instance runs: where a server-local driver launches a guest (its place), and the SSH details it published',
    statements: () => [`ALTER TABLE instance_runs ADD COLUMN place TEXT`, `ALTER TABLE instance_runs ADD COLUMN ssh TEXT`],
  },
  {
    version: 12,
    name: 'procurements: when running it minute by minute would run it next, while a clock advance skips runs that would change nothing',
    statements: ({ int }) => [`ALTER TABLE procurements ADD COLUMN run_due_at ${int}`, `CREATE INDEX procurements_sku ON procurements (instance_sku_id)`],
  },
  {
    version: 13,
    name: 'fleet: the node-time a host sold and can no longer back, taken back from its holders and refunded',
    statements: ({ int }) => [
      `ALTER TABLE hosts ADD COLUMN unbacked TEXT NOT NULL DEFAULT '[]'`,
      `ALTER TABLE hosts ADD COLUMN reclaimed_until ${int}`,
    ],
  },
  {
    version: 14,
    name: 'fleet: the times agents report — when each heartbeat was sent (the agent\'s clock), and when each guest started, was ready and ended (on allot\'s)',
    statements: ({ int }) => [
      `ALTER TABLE hosts ADD COLUMN last_heartbeat_sent_at ${int}`,
      `ALTER TABLE instance_runs ADD COLUMN guest_started_at ${int}`,
      `ALTER TABLE instance_runs ADD COLUMN guest_ready_at ${int}`,
      `ALTER TABLE instance_runs ADD COLUMN guest_ended_at ${int}`,
    ],
  },
  {
    version: 15,
    name: 'orders: the book of resting orders indexed on its own, best price first',
    // Resting orders only, in the order matching reads them: with the status among the columns, a
    // read of two statuses came back in two runs that had to be sorted, every resting order of
    // the SKU each time (the cost of a buy grew with the depth of the book).
    statements: () => [`CREATE INDEX orders_resting ON orders (instance_sku_id, side, limit_micros, seq) WHERE status IN ('standing', 'partially_filled')`],
  },
  {
    version: 16,
    name: 'instances: the status left out of every index, so that an instance ending (or starting) rewrites its row in place',
    // PostgreSQL writes an updated row as a new version. When no indexed column changed and the
    // page has room, the new version stays on its page and no index is touched (a "HOT" update);
    // otherwise every index of the table gets an entry for it. With the status in two indexes,
    // ending 100,000 instances wrote 600,000 index entries and most of the advance's time went
    // there. Now the live instances of a pool (or deployment) are found by its index and the
    // status checked on the row, and the table's pages are filled to half, leaving room for the
    // versions a batch writes at once (a batch ends a pool's instances together, which sit
    // together). On SQLite an update rewrites only the indexes holding a changed column, so the
    // same change spares it the two index writes per row. Existing pages keep no room until rows
    // leave them; their instances end as before, by the slower path.
    statements: ({ fillfactor }) => [
      `DROP INDEX instances_live`,
      `CREATE INDEX instances_live ON instances (pool_id, instance_sku_id)`,
      `DROP INDEX instances_deployment`,
      `CREATE INDEX instances_deployment ON instances (deployment_id)`,
      ...(fillfactor ? [`ALTER TABLE instances SET (fillfactor = 50)`] : []),
    ],
  },
];
