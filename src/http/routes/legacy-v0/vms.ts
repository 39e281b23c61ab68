// POST /v0/vms/replace (`sf vm replace`): a VM replaced by a new one with its image and cloud-init.

import type { AppContext } from '../../../app/kernel/context.js';
import { replaceVm } from '../../../app/legacy-v0/vms.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderVmReplacement } from '../../render/legacy-v0.js';
import { answerWith, respond, respondAnswer } from '../../respond.js';
import { IdempotencyHeaders } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import { V0ReplaceVmRequest, V0ReplaceVmResponse } from '../../schemas/legacy-v0.js';

export function registerV0VmRoutes(app: ApiServer, context: AppContext): void {
  app.post('/v0/vms/replace', {
    config: { audience: 'account' as const },
    schema: {
      tags: [tags.vms],
      summary: 'Replace a VM',
      description: 'Ends the VM and starts a new one on the same node (pool and SKU) with the same image and cloud-init user data, in one transaction, as POST /preview/v2/instances/{id}/replace does. An ended VM answers 404.',
      headers: IdempotencyHeaders,
      body: V0ReplaceVmRequest,
      response: { 200: V0ReplaceVmResponse, ...errorResponses(400, 401, 404, 409) },
    },
  }, async (request, reply) => respondAnswer(reply, await replaceVm(context, accountOf(request), request.body.vm_id, request.headers['idempotency-key'], answerWith(reply, 200, renderVmReplacement))));
}
