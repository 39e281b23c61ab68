// Locks on a live row of a soft-deleted table, for a container (workspace, pool) or a resource
// others use (image, instance template): whoever deletes it locks it for change and checks it
// is unused; whoever makes something that uses it locks it shared and checks it is still live.
// So the two serialise and nothing ever uses a deleted row. SQLite's single writer needs no lock.
// And the bounded wait of a lock taken out of the key order (balances, money accounts).

import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { DialectAdapter } from '../dialect-adapter.js';

type SoftDeletedTable = 'workspaces' | 'pools' | 'images' | 'instance_templates';

/** Locks the live row `id` of `table` against any other lock; answers whether it is live. */
export async function lockLiveRowForChange(trx: Kysely<Database>, adapter: DialectAdapter, table: SoftDeletedTable, id: string): Promise<boolean> {
  let query = trx.selectFrom(table as 'images').select('id').where('id', '=', id).where('deleted_at', 'is', null);
  if (adapter.supportsRowLocks) query = query.forNoKeyUpdate();
  return (await query.executeTakeFirst()) !== undefined;
}

/**
 * Locks the live row `id` of `table` shared (against a deletion); answers whether it is live.
 * At READ COMMITTED PostgreSQL re-reads `deleted_at` on the row a deletion committed meanwhile.
 */
export async function lockLiveRowShared(trx: Kysely<Database>, adapter: DialectAdapter, table: SoftDeletedTable, id: string): Promise<boolean> {
  let query = trx.selectFrom(table as 'images').select('id').where('id', '=', id).where('deleted_at', 'is', null);
  if (adapter.supportsRowLocks) query = query.forShare();
  return (await query.executeTakeFirst()) !== undefined;
}

/**
 * Sends a lock ahead (`lock`, which sends its statement and answers a handle on its rows), waiting
 * for its rows at most `waitMs` when it comes `outOfOrder`: a lock out of the key order may close
 * a cycle, which PostgreSQL's `lock_timeout` (55P03, retried by `Store.transaction`) then breaks
 * in that time rather than its deadlock detection in `deadlock_timeout`'s second. The timeout is
 * set for that statement alone, each setting sent ahead in the same round trip.
 */
export async function sendLockWaitingAtMost<Sent>(trx: Kysely<Database>, adapter: DialectAdapter, outOfOrder: boolean, waitMs: number, lock: () => Promise<Sent>): Promise<Sent> {
  if (outOfOrder) await adapter.readAhead(trx, `set local lock_timeout = ${waitMs}`, []);
  const sent = await lock();
  if (outOfOrder) await adapter.readAhead(trx, 'set local lock_timeout to default', []);
  return sent;
}
