// /preview/v2/procurements

import type { AppContext } from '../../../app/kernel/context.js';
import { createProcurement, deleteProcurement, getProcurement, listProcurements, patchProcurement } from '../../../app/market/procurements.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderProcurement } from '../../render/market.js';
import { respond, respondEmpty, respondPage } from '../../respond.js';
import { IdPathParams } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import { CreateProcurementRequest, ListProcurementsQuery, ListProcurementsResponse, PatchProcurementRequest, ProcurementResponse } from '../../schemas/procurements.js';

export function registerProcurementRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.procurements] };

  app.post('/preview/v2/procurements', {
    // SF Compute lists 409 for a pool and SKU that already have an automation, 400 for a duplicate name.
    config: { ...config, failureStatus: { name_taken: 400 } },
    schema: {
      ...tagged,
      summary: 'Create procurement',
      description:
        'Keeps a market pool\'s allocation of one SKU at the target over the managed window (exactly its minutes, from the next minute): standing buys at the max buy price for shortfalls, sells into standing bids at no less than the min sell price for surpluses. It runs at once, as each minute off the target enters the window, at least every hour, and whenever its pool or (for node_count) its instances change.',
      body: CreateProcurementRequest,
      response: { 201: ProcurementResponse, ...errorResponses(400, 401, 403, 409, 422) },
    },
  }, async (request, reply) => respond(reply, await createProcurement(context, accountOf(request), request.body), 201, renderProcurement));

  app.get('/preview/v2/procurements', {
    config,
    schema: { ...tagged, summary: 'List procurements', querystring: ListProcurementsQuery, response: { 200: ListProcurementsResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => respondPage(reply, await listProcurements(context, accountOf(request), request.query), renderProcurement));

  app.get('/preview/v2/procurements/:id', {
    config,
    schema: { ...tagged, summary: 'Get procurement', params: IdPathParams, response: { 200: ProcurementResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await getProcurement(context, accountOf(request), request.params.id), 200, renderProcurement));

  app.patch('/preview/v2/procurements/:id', {
    config,
    schema: { ...tagged, summary: 'Update procurement', description: 'Runs it again at once; disabling cancels its resting orders. A spot deployment\'s procurement is changed through the deployment (409).', params: IdPathParams, body: PatchProcurementRequest, response: { 200: ProcurementResponse, ...errorResponses(400, 401, 403, 404, 422) } },
  }, async (request, reply) => respond(reply, await patchProcurement(context, accountOf(request), request.params.id, request.body), 200, renderProcurement));

  app.delete('/preview/v2/procurements/:id', {
    config,
    schema: { ...tagged, summary: 'Delete procurement', description: 'Its resting orders are cancelled; what it bought stays in the pool.', params: IdPathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respondEmpty(reply, await deleteProcurement(context, accountOf(request), request.params.id)));
}
