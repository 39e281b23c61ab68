// The embedded store: SQLite through better-sqlite3, in WAL mode, where a write answered 2xx
// survives `kill -9` and power loss: each commit's WAL frames are flushed to disk before it is
// answered, off the process's thread (wal-sync.ts). One process owns the file: every
// transaction begins IMMEDIATE, taking the write lock up front, so transactions never deadlock
// on a lock upgrade.

import { sqliteBusyTimeoutMs, sqliteStatementCacheSize, sqliteWalCheckpointPages } from '../../domain/kernel/limits.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, Kysely, type RawBuilder, SqliteDialect, SqliteDriver, type SqliteDatabase, type SqliteStatement, sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/sqlite';
import type { Database } from '../database.js';
import { type DialectAdapter } from '../dialect-adapter.js';
import { KyselyStore } from '../kysely-store.js';
import { WalSync } from './wal-sync.js';
import { migrate } from '../migrator.js';


class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class AllotSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

/** Kysely prepares every query afresh; keeping the prepared statements saves that work. */
function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(text: string): SqliteStatement {
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = database.prepare(text) as unknown as SqliteStatement;
        if (cache.size >= sqliteStatementCacheSize) cache.delete(cache.keys().next().value!);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

/** Opens (creating if needed) the SQLite database at `path`, or an in-memory one for `:memory:`. */
export async function openSqliteStore(path: string, now: number): Promise<KyselyStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  database.pragma('locking_mode = EXCLUSIVE');
  // A file's WAL is flushed by walSync, as synchronous=FULL would flush it inside the commit;
  // an in-memory database has no WAL and nothing to flush.
  const walSync = database.pragma('journal_mode = WAL', { simple: true }) === 'wal' ? new WalSync(`${database.name}-wal`) : null;
  database.pragma(`synchronous = ${walSync === null ? 'FULL' : 'NORMAL'}`);
  database.pragma(`wal_autocheckpoint = ${sqliteWalCheckpointPages}`);
  // Once checkpointed, the WAL file is cut back to this size rather than keeping its largest.
  database.pragma(`journal_size_limit = ${sqliteWalCheckpointPages * (database.pragma('page_size', { simple: true }) as number)}`);
  // Every transaction runs in a savepoint of its commit group's (commit-group.ts), as does each
  // statement that may fail part way, and SQLite copies each page a savepoint first changes into
  // a sub-journal, written to a temporary file past 64 KiB: a fifth of a pool transfer's CPU went
  // to those writes. In memory it holds the pages one transaction changes (emptied as each member
  // ends), as large as a large transaction's; temporary tables and sorts are kept there too.
  database.pragma('temp_store = MEMORY');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
  const statements = withStatementCache(database);
  const db = new Kysely<Database>({ dialect: new AllotSqliteDialect(statements) });
  const adapter: DialectAdapter = {
    dialect: 'sqlite',
    db,
    jsonObjectEntries: (column) => sql`json_each(${sql.ref(column)})`,
    jsonArrayText: (query) => jsonArrayFrom(query) as RawBuilder<unknown> as RawBuilder<string>,
    runCompiled: async <Row>(_on: Kysely<Database>, text: string, parameters: readonly unknown[]) => {
      const statement = statements.prepare(text);
      if (statement.reader) return statement.all(parameters) as Row[];
      statement.run(parameters);
      return [];
    },
    // Statements cost no round trip here: run at once.
    readAhead: async <Row>(_on: Kysely<Database>, text: string, parameters: readonly unknown[]) => {
      const statement = statements.prepare(text);
      return { rows: Promise.resolve(statement.all(parameters) as Row[]) };
    },
    supportsRowLocks: false,
    // Statements cost no round trip here: run at once.
    deferWrite: async (on, query) => {
      await on.executeQuery(query.compile());
    },
    transactionLock: async () => {},
    soleWriter: true,
    groupsCommits: true,
    durability: walSync,
    commitWatch: null,
    commitsHeardEverywhereMs: 0,
    isUniqueViolation: (error) => sqliteCode(error).startsWith('SQLITE_CONSTRAINT_UNIQUE') || sqliteCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
    isTransientConflict: (error) => sqliteCode(error) === 'SQLITE_BUSY',
    // The file is this process's own: it does not go away.
    isUnavailable: () => false,
    tryLeadership: async () => true,
    holdsLeadership: async () => true,
    // The file is this process's own (docs/decisions.md): Store.exclusively's turn is the lock.
    sessionLock: async () => ({ lost: () => false, release: async () => {} }),
    close: async () => {
      await walSync?.close();
      await db.destroy();
    },
  };
  try {
    await migrate(db, { seq: 'INTEGER PRIMARY KEY AUTOINCREMENT', int: 'INTEGER', fillfactor: false }, now);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStore(adapter);
}

function sqliteCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
}
