// /preview/v2/pool_transfers

import type { AppContext } from '../../../app/kernel/context.js';
import { createPoolTransfer, getPoolTransfer, listPoolTransfers } from '../../../app/allocation/pool-transfers.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderPoolTransfer } from '../../render/allocation.js';
import { answerWith, respond, respondAnswer, respondPage } from '../../respond.js';
import { IdempotencyHeaders, IdPathParams } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import { CreatePoolTransferRequest, ListPoolTransfersQuery, ListPoolTransfersResponse, PoolTransferResponse } from '../../schemas/pool-transfers.js';

export function registerPoolTransferRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.pools] };

  app.post('/preview/v2/pool_transfers', {
    config,
    schema: {
      ...tagged,
      summary: 'Create pool transfer',
      description: 'Moves allocation of one SKU between two of your pools. Accepted transfers are executed at once, or rejected when the source falls short at some minute (rejected_reason names it).',
      headers: IdempotencyHeaders,
      body: CreatePoolTransferRequest,
      response: { 202: PoolTransferResponse, ...errorResponses(401, 403, 404, 422, 503) },
    },
  }, async (request, reply) =>
    respondAnswer(reply, await createPoolTransfer(context, accountOf(request), request.body, request.headers['idempotency-key'], answerWith(reply, 202, renderPoolTransfer))));

  app.get('/preview/v2/pool_transfers', {
    config,
    schema: { ...tagged, summary: 'List pool transfers', querystring: ListPoolTransfersQuery, response: { 200: ListPoolTransfersResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) =>
    respondPage(reply, await listPoolTransfers(context, accountOf(request), request.query), renderPoolTransfer));

  app.get('/preview/v2/pool_transfers/:id', {
    config,
    schema: { ...tagged, summary: 'Get pool transfer', params: IdPathParams, response: { 200: PoolTransferResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await getPoolTransfer(context, accountOf(request), request.params.id), 200, renderPoolTransfer));
}
