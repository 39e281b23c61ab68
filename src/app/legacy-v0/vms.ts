// `POST /v0/vms/replace`: a VM (an instance, `vm_` standing for `inst_`) replaced by a new one on
// the same pool and SKU, with the same image and cloud-init user data — v2's instance replacement
// (`replaceInstance`), which ends the old one and starts the new in one transaction. The new VM
// keeps the old one's deployment, so an autoreserved node's next VM is the replacement.

import { fail, type Failure } from '../../domain/kernel/failures.js';
import { replaceVmOperation } from '../../domain/legacy-v0/operations.js';
import { declaring } from '../kernel/declaring.js';
import { parseId } from '../../domain/kernel/ids.js';
import type { AppContext } from '../kernel/context.js';
import { replaceInstance } from '../compute/instances.js';
import { type Answerer, type StoredAnswer } from '../kernel/idempotency.js';

export interface VmReplacement {
  readonly replacedId: string;
  readonly replacedById: string;
}

/**
 * Replaces the VM. The answer (`answer`, the route's) is stored with the idempotency key, so that a
 * repeated request gets it back byte for byte.
 */
export const replaceVm = declaring(replaceVmOperation, async function replaceVm(context: AppContext, accountId: string, vmId: string, idempotencyKey: string | undefined, answer: Answerer<VmReplacement>): Promise<StoredAnswer | Failure> {
  const notFound = fail('instance_not_found', `No VM "${vmId}"`);
  const id = parseId('instance', vmId);
  if (id === null) return notFound;
  const old = await context.store.read((tx) => tx.instances.findById(accountId, id));
  if (old === undefined) return notFound;
  const input = { image: old.imageId, ...(old.cloudInitUserData === null ? {} : { cloud_init_user_data: old.cloudInitUserData }) };
  return replaceInstance(context, accountId, old.id, input, idempotencyKey, (reading) => answer({ replacedId: old.id, replacedById: reading.instance.id }), `replace_vm ${old.id}`);
});
