// Audits the whole state against the ledger's invariants (domain/audit.ts).

import { auditLedger } from '../domain/audit.js';
import type { AppContext } from './context.js';

export async function auditAllocation(context: AppContext): Promise<string[]> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => auditLedger(await tx.allocation.allEntries(), await tx.allocation.allBalances(), now));
}
