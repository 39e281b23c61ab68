// `POST /v0/vms/replace`: a VM (an instance, `vm_` standing for `inst_`) replaced by a new one on
// the same pool and SKU, with the same image and cloud-init user data — v2's instance replacement
// (`replaceInstance`), which ends the old one and starts the new in one transaction. The new VM
// keeps the old one's deployment, so an autoreserved node's next VM is the replacement.

import { fail, type Failure } from '../../domain/kernel/failures.js';
import { replaceVmOperation } from '../../domain/legacy-v0/operations.js';
import { declaring } from '../kernel/declaring.js';
import { parseId } from '../../domain/kernel/ids.js';
import type { AppContext } from '../kernel/context.js';
import { replaceKeyed } from '../compute/instances.js';
import { type Answerer, type StoredAnswer } from '../kernel/idempotency.js';

export interface VmReplacement {
  readonly replacedId: string;
  readonly replacedById: string;
}

/**
 * Replaces the VM. The answer (`answer`, the route's) is stored with the idempotency key, and the
 * VM is looked up only when the key is new: a repeated request gets the first answer back byte
 * for byte, even after the replaced VM was deleted.
 */
export const replaceVm = declaring(replaceVmOperation, async function replaceVm(context: AppContext, accountId: string, vmId: string, idempotencyKey: string | undefined, answer: Answerer<VmReplacement>): Promise<StoredAnswer | Failure> {
  const notFound = fail('instance_not_found', `No VM "${vmId}"`);
  const id = parseId('instance', vmId);
  if (id === null) return notFound;
  return replaceKeyed(context, { accountId, key: idempotencyKey, operation: `replace_vm ${id}`, body: { vm_id: vmId } }, (reading) => answer({ replacedId: id, replacedById: reading.instance.id }), async (tx) => {
    const old = await tx.instances.findById(accountId, id);
    if (old === undefined) return notFound;
    return { reference: old.id, input: { image: old.imageId }, cloudInit: old.cloudInitUserData };
  });
});
