// The verify switch: a Store whose every transaction ends with the audit of the whole state
// (domain/operator/audit.ts) run inside it, before it commits. A problem found is a bug: the
// assertion throws, the transaction rolls back, and the request answers 500 instead of leaving a
// broken state behind. It reads everything, so it is for tests and simulations (the test server
// turns it on), not for production. It needs a store whose transaction sees one state from
// start to end, as SQLite's (which holds the database) does; at PostgreSQL's READ COMMITTED its
// statements would read other transactions' commits in between, so the test server uses it on
// SQLite only.
//
// Placement (running ≤ allocation now) is left to GET /admin/v1/audit: while the clock advances,
// boundaries are reconciled a batch per transaction, so between two batches pools not yet
// reached may run beyond an allocation that just ended, as they may between two timer ticks.

import type { Clock } from '../../clock/clock.js';
import { assert } from '../../domain/kernel/assert.js';
import { isFailure } from '../../domain/kernel/failures.js';
import { auditDeletedContainers, auditDeletedInUse, auditDeletedPools, auditLedger, auditMoney } from '../../domain/operator/audit.js';
import type { Store, Tx } from '../../store/store.js';
import { aroundTransactions } from '../kernel/around-transactions.js';

/** The problems the audit finds in the state `tx` sees, as sentences (none when sound). */
export async function auditInTransaction(tx: Tx, now: number): Promise<string[]> {
  const balances = await tx.allocation.allBalances();
  return [
    ...auditLedger(await tx.allocation.allEntries(), balances, now),
    ...auditDeletedPools(await tx.pools.listDeleted(), balances),
    ...auditDeletedContainers('pool', await tx.pools.liveContentsOfDeleted()),
    ...auditDeletedContainers('workspace', await tx.workspaces.liveContentsOfDeleted()),
    ...auditDeletedInUse('image', await tx.images.liveUsersOfDeleted()),
    ...auditDeletedInUse('instance template', await tx.instanceTemplates.liveUsersOfDeleted()),
    ...auditMoney(await tx.money.allEntries(), await tx.money.allBalances(), await tx.orders.holdsByAccount()),
  ];
}

/** `store`, with the audit run at the end of every transaction that commits. */
export function verifiedStore(store: Store, clock: Clock): Store {
  return aroundTransactions(store, async (tx, work) => {
    const result = await work(tx);
    if (isFailure(result)) return result;
    const problems = await auditInTransaction(tx, clock.now());
    assert(problems.length === 0, () => `the state fails its audit: ${problems.join('; ')}`);
    return result;
  });
}
