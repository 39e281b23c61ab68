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
];
