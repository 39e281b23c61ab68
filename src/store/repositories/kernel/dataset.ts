// The whole state at once, for the operator's reset: the tables are read from the database's own
// catalogue (sqlite_master, pg_tables of the current schema), so that a table a later migration
// adds is cleared as well.

import { type Kysely, sql } from 'kysely';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { DatasetRepository } from '../../kernel.js';

/** Kept by every reset: the schema's version (the migrator's), and the fleet's host tokens —
 * credentials the operator handed to machines, as the operator token is kept; their hosts go
 * (they name SKUs that go) and register again as new (docs/decisions.md, "Reset and fixtures"). */
const keptTables = new Set(['allot_schema_version', 'host_tokens']);

export class SqlDatasetRepository implements DatasetRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
    /** Tells the transaction's other repositories and the store that every row is about to go:
     * they forget what they locked and remembered. */
    private readonly forgetLocked: () => void = () => {},
  ) {}

  async countLiveGuestRuns(): Promise<number> {
    const row = await this.trx
      .selectFrom('instance_runs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('state', 'not in', ['stopped', 'failed', 'removed'])
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async imageIds(): Promise<string[]> {
    return (await this.trx.selectFrom('images').select('id').execute()).map((row) => row.id);
  }

  async clear(keepSettings: readonly string[]): Promise<void> {
    const tables = (await this.tables()).filter((table) => !keptTables.has(table) && table !== 'settings');
    // Told before the rows go, as every write tells what remembers them.
    this.forgetLocked();
    if (this.adapter.dialect === 'sqlite') {
      // Checked at the commit instead of at each statement, so that the order does not matter.
      await sql`PRAGMA defer_foreign_keys = ON`.execute(this.trx);
      for (const table of tables) await sql`DELETE FROM ${sql.id(table)}`.execute(this.trx);
    } else if (tables.length > 0) {
      await sql`TRUNCATE ${sql.join(tables.map((table) => sql.id(table)))}`.execute(this.trx);
    }
    let settings = this.trx.deleteFrom('settings');
    if (keepSettings.length > 0) settings = settings.where('key', 'not in', [...keepSettings]);
    await settings.execute();
  }

  private async tables(): Promise<string[]> {
    const rows =
      this.adapter.dialect === 'sqlite'
        ? await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(this.trx)
        : await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`.execute(this.trx);
    return rows.rows.map((row) => row.name);
  }
}
