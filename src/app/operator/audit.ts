// Audits the whole state against the invariants (domain/operator/audit.ts): allocation, placement and money.

import { auditDeletedPools, auditLedger, auditMoney, auditPlacement } from '../../domain/operator/audit.js';
import type { AppContext } from '../kernel/context.js';

export async function auditState(context: AppContext): Promise<string[]> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const balances = await tx.allocation.allBalances();
    return [
      ...auditLedger(await tx.allocation.allEntries(), balances, now),
      ...auditDeletedPools(await tx.pools.listDeleted(), balances),
      ...auditPlacement(await tx.instances.runningCounts(), balances, now),
      ...auditMoney(await tx.money.allEntries(), await tx.money.allBalances(), await tx.orders.holdsByAccount()),
    ];
  });
}
