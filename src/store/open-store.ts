// Opens the store a `--db` URL names: `sqlite:<path>`, `sqlite::memory:` or `postgres://…`.

import type { Store } from './store.js';

export class DatabaseUrlError extends Error {}

export function describeDatabaseUrl(url: string): { dialect: 'sqlite' | 'postgres'; location: string } {
  if (url.startsWith('sqlite:')) {
    const location = url.slice('sqlite:'.length);
    if (location === '') throw new DatabaseUrlError('sqlite: needs a path, as in sqlite:./.allot/allot.db or sqlite::memory:');
    return { dialect: 'sqlite', location };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', location: url };
  throw new DatabaseUrlError(`Unknown database URL "${url}": use sqlite:<path>, sqlite::memory: or postgres://…`);
}

export async function openStore(url: string, now: number, options: { schema?: string } = {}): Promise<Store> {
  const { dialect, location } = describeDatabaseUrl(url);
  // Each store's module is loaded only when it is opened: pg alone costs about 0.1 s of a start
  // on SQLite (docs/decisions.md, "Starting fast").
  if (dialect === 'sqlite') return (await import('./sqlite/sqlite-store.js')).openSqliteStore(location, now);
  return (await import('./postgres/postgres-store.js')).openPostgresStore(location, now, options);
}
