// Audits the whole state against the invariants (domain/operator/audit.ts): allocation, placement and money.

import { auditPlacement } from '../../domain/operator/audit.js';
import type { AppContext } from '../kernel/context.js';
import { auditInTransaction } from './verify.js';

export async function auditState(context: AppContext): Promise<string[]> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => [...(await auditInTransaction(tx, now)), ...auditPlacement(await tx.instances.runningCounts(), await tx.allocation.allBalances(), now)]);
}
