// A fingerprint of everything a test store holds: every row of every table, read through the
// store's own Kysely connection, so that the fuzz can tell that a refused request changed nothing.

import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { TestStore } from '../support/stores.js';

/**
 * The store's Kysely instance. The Store interface keeps its adapter private, as it should;
 * this test helper reaches in (at run time the field is plain) rather than widen the interface
 * for tests.
 */
function kyselyOf(testStore: TestStore): Kysely<any> {
  const adapter = (testStore.store as unknown as { adapter?: { db?: Kysely<any> } }).adapter;
  if (adapter?.db === undefined) throw new Error('the store has no Kysely adapter to fingerprint');
  return adapter.db;
}

const tableNames = new WeakMap<TestStore, Promise<string[]>>();

function tablesOf(testStore: TestStore, db: Kysely<any>): Promise<string[]> {
  let names = tableNames.get(testStore);
  if (names === undefined) {
    names = db.introspection.getTables().then((tables) => tables.filter((table) => testStore.schema === undefined || table.schema === testStore.schema).map((table) => table.name).sort());
    tableNames.set(testStore, names);
  }
  return names;
}

/** Rows per table, each table's rows sorted, hashed; equal fingerprints mean equal contents. */
export async function stateFingerprint(testStore: TestStore): Promise<Map<string, string>> {
  const db = kyselyOf(testStore);
  const names = await tablesOf(testStore, db);
  const fingerprint = new Map<string, string>();
  if (testStore.schema !== undefined) {
    // PostgreSQL: one round trip, each table hashed where it lies.
    const parts = names.map((name) => sql`select ${name} as name, md5(coalesce(string_agg(row_text, E'\\n' order by row_text), '')) as hash from (select t::text as row_text from ${sql.id(testStore.schema!, name)} t) rows`);
    const { rows } = await sql<{ name: string; hash: string }>`${sql.join(parts, sql` union all `)}`.execute(db);
    for (const row of rows) fingerprint.set(row.name, row.hash);
    return fingerprint;
  }
  for (const name of names) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.id(name)}`.execute(db);
    const lines = rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : Buffer.isBuffer(value) ? value.toString('hex') : value))).sort();
    fingerprint.set(name, createHash('sha256').update(lines.join('\n')).digest('hex'));
  }
  return fingerprint;
}

/** The tables whose contents differ between two fingerprints. */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name));
}
