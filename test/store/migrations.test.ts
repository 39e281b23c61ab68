// Migrations: several processes opening one fresh PostgreSQL database at once migrate it one at
// a time (the bootstrap table included), and a database is migrated once.

import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { latestSchemaVersion } from '../../src/store/migrator.js';
import { openStore } from '../../src/store/open-store.js';
import { dropSchema, postgresUrl, testDialects } from '../support/stores.js';

describe.runIf(testDialects.includes('postgres'))('migrations on postgres', () => {
  it('let stores opened at once on a fresh database all succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const schema = `allot_migrations_${process.pid}_${round}`;
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.query(`CREATE SCHEMA "${schema}"`);
      try {
        const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(postgresUrl!, 0, { schema })));
        await Promise.all(stores.map((store) => store.close()));
        const versions = await client.query(`SELECT version FROM "${schema}".allot_schema_version ORDER BY version`);
        expect(versions.rows.map((row: { version: number }) => row.version)).toEqual(Array.from({ length: latestSchemaVersion }, (_, index) => index + 1));
      } finally {
        await client.end();
        await dropSchema(schema);
      }
    }
  });
});
