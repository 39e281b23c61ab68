// /preview/v2/pools

import type { AppContext } from '../../../app/kernel/context.js';
import { createPool, deletePool, getPool, listPools, updatePool } from '../../../app/allocation/pools.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderPool } from '../../render/allocation.js';
import { respond, respondEmpty, respondPage } from '../../respond.js';
import { IdPathParams } from '../../schemas/common.js';
import { beyondReference, errorResponses } from '../../schemas/errors.js';
import { CreatePoolRequest, ListPoolsQuery, ListPoolsResponse, PatchPoolRequest, PoolQuery, PoolResponse } from '../../schemas/pools.js';

export function registerPoolRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.pools] };

  app.post('/preview/v2/pools', {
    config,
    schema: { ...tagged, summary: 'Create pool', body: CreatePoolRequest, response: { 201: PoolResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => respond(reply, await createPool(context, accountOf(request), request.body), 201, renderPool));

  app.get('/preview/v2/pools', {
    config,
    schema: { ...tagged, summary: 'List pools', querystring: ListPoolsQuery, response: { 200: ListPoolsResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => {
    const page = await listPools(context, accountOf(request), request.query);
    return respondPage(reply, page, renderPool);
  });

  app.get('/preview/v2/pools/:id', {
    config,
    schema: { ...tagged, summary: 'Get pool', params: IdPathParams, querystring: PoolQuery, response: { 200: PoolResponse, ...errorResponses(401, 403, 404, ...beyondReference['GET /preview/v2/pools/{id}']!) } },
  }, async (request, reply) => respond(reply, await getPool(context, accountOf(request), request.params.id, request.query.schedule_history_minutes), 200, renderPool));

  app.patch('/preview/v2/pools/:id', {
    config,
    schema: { ...tagged, summary: 'Update pool', description: 'Omitted fields are left unchanged; tags are replaced whole, and null clears them.', params: IdPathParams, body: PatchPoolRequest, response: { 200: PoolResponse, ...errorResponses(401, 403, 404, 422) } },
  }, async (request, reply) => respond(reply, await updatePool(context, accountOf(request), request.params.id, request.body), 200, renderPool));

  app.delete('/preview/v2/pools/:id', {
    config,
    schema: { ...tagged, summary: 'Delete pool', description: 'The pool must have no future allocation, active orders, instances, deployments or procurements.', params: IdPathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(401, 403, 404, 422) } },
  }, async (request, reply) => respondEmpty(reply, await deletePool(context, accountOf(request), request.params.id)));
}
