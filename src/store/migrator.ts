// Brings a database to the schema this build knows: the numbered migrations it lacks, in order, in
// one transaction (all of them or none; one commit instead of one per migration, which counts at
// the first start of a database, docs/decisions.md "Starting fast"). A database that has
// migrations this build does not know was written by a newer allot; it is refused rather than
// misread.

import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { type SqlTypes, migrations } from './migrations.js';

export class SchemaTooNewError extends Error {
  constructor(readonly databaseVersion: number, readonly knownVersion: number) {
    super(
      `The database has schema version ${databaseVersion}, but this allot knows versions up to ${knownVersion}. ` +
        'It was written by a newer allot; upgrade allot to serve it.',
    );
  }
}

export const latestSchemaVersion = migrations.at(-1)!.version;

/**
 * Runs the migrations the database lacks. `lock`, when given, runs first inside the transaction,
 * so that several processes starting at once migrate one at a time (the later ones find nothing
 * to do).
 */
export async function migrate(
  db: Kysely<Database>,
  types: SqlTypes,
  now: number,
  lock?: (trx: Kysely<Database>) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Under the lock too: PostgreSQL's CREATE TABLE IF NOT EXISTS fails when two sessions race.
    if (lock !== undefined) await lock(trx);
    await sql`CREATE TABLE IF NOT EXISTS allot_schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${sql.raw(types.int)} NOT NULL)`.execute(trx);
    const current = await currentVersion(trx);
    if (current > latestSchemaVersion) throw new SchemaTooNewError(current, latestSchemaVersion);
    for (const migration of migrations) {
      if (current >= migration.version) continue;
      for (const statement of migration.statements(types)) await sql.raw(statement).execute(trx);
      await trx.insertInto('allot_schema_version').values({ version: migration.version, name: migration.name, applied_at: now }).execute();
    }
  });
}

async function currentVersion(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('allot_schema_version').select((eb) => eb.fn.max('version').as('version')).executeTakeFirst();
  return Number(row?.version ?? 0);
}
