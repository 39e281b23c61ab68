// Migration 7 makes tokens objects without losing the ones a database already holds: a token
// issued before it keeps its hash and still authenticates, unnamed, never expiring, never used.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/app/tenancy/tokens.js';
import { tokenRefusal } from '../../src/domain/tenancy/tokens.js';
import { migrations, type SqlTypes } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { dropSchema, postgresUrl, testDialects } from '../support/stores.js';

const oldToken = 'allot_sk_issued-before-migration-7';
const before = migrations.filter((migration) => migration.version < 7);

/** The statements that build a version-6 database holding one account and its token. */
function version6(types: SqlTypes): string[] {
  return [
    ...before.flatMap((migration) => migration.statements(types)),
    `CREATE TABLE allot_schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${types.int} NOT NULL)`,
    ...before.map((migration) => `INSERT INTO allot_schema_version (version, name, applied_at) VALUES (${migration.version}, 'v${migration.version}', 0)`),
    `INSERT INTO accounts (id, name, default_workspace_id, created_at) VALUES ('old-account', 'Old', 'wksp_old', 100)`,
    `INSERT INTO workspaces (id, account_id, name, created_at) VALUES ('wksp_old', 'old-account', 'default', 100)`,
    `INSERT INTO api_tokens (id, account_id, token_hash, suffix, created_at) VALUES ('tokn_old', 'old-account', '${hashToken(oldToken)}', 'on-6', 100)`,
  ];
}

async function expectTokenKept(store: Store): Promise<void> {
  const token = await store.read((tx) => tx.tokens.findByHash(hashToken(oldToken)));
  expect(token).toMatchObject({ id: 'tokn_old', accountId: 'old-account', userId: null, name: null, expiresAt: null, revokedAt: null, lastActiveAt: null, createdAt: 100 });
  expect(tokenRefusal(token!, 1_000_000)).toBeNull();
}

describe('migration 7 keeps existing tokens', () => {
  it('on sqlite', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'allot-token-migration-'));
    const file = join(directory, 'allot.db');
    try {
      const db = new BetterSqlite3(file);
      for (const statement of version6({ seq: 'INTEGER PRIMARY KEY AUTOINCREMENT', int: 'INTEGER', fillfactor: false })) db.exec(statement);
      db.close();
      const store = await openStore(`sqlite:${file}`, 1_000_000);
      try {
        await expectTokenKept(store);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it.runIf(testDialects.includes('postgres'))('on postgres', async () => {
    const schema = `allot_token_migration_${process.pid}`;
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.query(`CREATE SCHEMA "${schema}"`);
      await client.query(`SET search_path TO "${schema}"`);
      for (const statement of version6({ seq: 'BIGSERIAL PRIMARY KEY', int: 'BIGINT', fillfactor: true })) await client.query(statement);
      const store = await openStore(postgresUrl!, 1_000_000, { schema });
      try {
        await expectTokenKept(store);
      } finally {
        await store.close();
      }
    } finally {
      await client.end();
      await dropSchema(schema);
    }
  });
});
