// Finding the market's resources from how a request names them, for the market's use cases
// and lists that filter by them.

import { fail, type Failure } from '../../domain/kernel/failures.js';
import { resourceTypes } from '../../domain/kernel/resource-paths.js';
import type { ProcurementView } from '../../store/market.js';
import type { Tx } from '../../store/store.js';
import type { WorkspaceRecord } from '../../store/tenancy.js';
import { resolveScoped } from '../tenancy/references.js';

function procurementNotFound(reference: string): Failure {
  return fail('procurement_not_found', `No procurement "${reference}"`);
}

export async function resolveProcurement(tx: Tx, accountId: string, reference: string, workspace?: WorkspaceRecord): Promise<ProcurementView | Failure> {
  const procurement = await resolveScoped(tx, accountId, reference, resourceTypes.procurement, {
    byId: (id) => tx.procurements.findById(accountId, id),
    byName: (workspaceId, name) => tx.procurements.findByName(workspaceId, name),
  }, workspace);
  return procurement ?? procurementNotFound(reference);
}
