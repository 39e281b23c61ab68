// The stores every store and API test runs on: SQLite always, PostgreSQL when
// ALLOT_TEST_POSTGRES_URL is set (.ci/run sets it, so CI never skips it silently). Each test
// store gets its own in-memory SQLite database or its own PostgreSQL schema.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import type { Store, StoreDialect } from '../../src/store/store.js';

export const postgresUrl = process.env.ALLOT_TEST_POSTGRES_URL;

export const testDialects: StoreDialect[] = postgresUrl === undefined || postgresUrl === '' ? ['sqlite'] : ['sqlite', 'postgres'];

export interface TestStore {
  readonly store: Store;
  readonly url: string;
  readonly schema: string | undefined;
  /** Closes the store and drops what it created. */
  dispose(): Promise<void>;
}

/** `url` reaches the test PostgreSQL server some other way (through a proxy, say); it defaults to ALLOT_TEST_POSTGRES_URL. */
export async function openTestStore(dialect: StoreDialect, now: number, url = postgresUrl!): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const store = await openStore('sqlite::memory:', now);
    return { store, url: 'sqlite::memory:', schema: undefined, dispose: () => store.close() };
  }
  const schema = `allot_test_${randomBytes(6).toString('hex')}`;
  const store = await openStore(url, now, { schema });
  return {
    store,
    url,
    schema,
    dispose: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
}

/** Runs `sql` on the test database, over a connection of its own. */
export async function administer(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await administer(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** A new, empty schema on the test database (any old one dropped), and the URL that uses it. */
export async function freshSchema(schema: string): Promise<string> {
  await dropSchema(schema);
  await administer(`CREATE SCHEMA "${schema}"`);
  return `${postgresUrl}?options=-c%20search_path%3D${schema}`;
}
