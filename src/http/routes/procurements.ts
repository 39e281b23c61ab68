// /preview/v2/procurements

import type { AppContext } from '../../app/context.js';
import { createProcurement, deleteProcurement, getProcurement, listProcurements, patchProcurement } from '../../app/procurements.js';
import { formatDollars } from '../../domain/money.js';
import { formatResourcePath, resourceTypes } from '../../domain/resource-paths.js';
import type { ProcurementView } from '../../store/store.js';
import { type ApiServer, tags } from '../api-server.js';
import { accountOf } from '../auth.js';
import { respond, respondEmpty, respondPage } from '../respond.js';
import { IdPathParams } from '../schemas/common.js';
import { errorResponses } from '../schemas/errors.js';
import { CreateProcurementRequest, ListProcurementsQuery, ListProcurementsResponse, PatchProcurementRequest, ProcurementResponse } from '../schemas/procurements.js';
import { renderInstanceSkuSummary } from './instance-skus.js';

export function renderProcurement(procurement: ProcurementView) {
  const pool = { id: procurement.poolId, name: procurement.poolName };
  return {
    object: 'procurement' as const,
    id: procurement.id,
    resource_path: formatResourcePath(resourceTypes.procurement, procurement.accountId, procurement.workspaceName, procurement.name),
    owner: procurement.accountId,
    workspace: procurement.workspaceName,
    workspace_id: procurement.workspaceId,
    name: procurement.name,
    target: procurement.target,
    capacity: pool,
    pool,
    instance_sku: renderInstanceSkuSummary(procurement.instanceSkuId, procurement.instanceSkuAlias),
    min_sell_price_dollars_per_node_hour: formatDollars(procurement.minSellMicros),
    max_buy_price_dollars_per_node_hour: formatDollars(procurement.maxBuyMicros),
    managed_window_minutes: procurement.managedWindowMinutes,
    enabled: procurement.enabled,
    status: { state: procurement.statusState, message: procurement.statusMessage },
    created_at: procurement.createdAt,
    updated_at: procurement.updatedAt,
  };
}

export function registerProcurementRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.procurements] };

  app.post('/preview/v2/procurements', {
    config,
    schema: {
      ...tagged,
      summary: 'Create procurement',
      description:
        'Keeps a market pool\'s allocation of one SKU at the target over the managed window, in whole clock hours: standing buys at the max buy price for shortfalls, sells into standing bids at no less than the min sell price for surpluses. It runs at once, every hour, and whenever its pool or (for node_count) its instances change.',
      body: CreateProcurementRequest,
      response: { 201: ProcurementResponse, ...errorResponses(400, 401, 404, 409, 422) },
    },
  }, async (request, reply) => respond(reply, await createProcurement(context, accountOf(request), request.body), 201, renderProcurement));

  app.get('/preview/v2/procurements', {
    config,
    schema: { ...tagged, summary: 'List procurements', querystring: ListProcurementsQuery, response: { 200: ListProcurementsResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => respondPage(reply, await listProcurements(context, accountOf(request), request.query), renderProcurement));

  app.get('/preview/v2/procurements/:id', {
    config,
    schema: { ...tagged, summary: 'Get procurement', params: IdPathParams, response: { 200: ProcurementResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getProcurement(context, accountOf(request), request.params.id), 200, renderProcurement));

  app.patch('/preview/v2/procurements/:id', {
    config,
    schema: { ...tagged, summary: 'Update procurement', description: 'Runs it again at once; disabling cancels its resting orders. A spot deployment\'s procurement is changed through the deployment (409).', params: IdPathParams, body: PatchProcurementRequest, response: { 200: ProcurementResponse, ...errorResponses(400, 401, 404, 409, 422) } },
  }, async (request, reply) => respond(reply, await patchProcurement(context, accountOf(request), request.params.id, request.body), 200, renderProcurement));

  app.delete('/preview/v2/procurements/:id', {
    config,
    schema: { ...tagged, summary: 'Delete procurement', description: 'Its resting orders are cancelled; what it bought stays in the pool.', params: IdPathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(401, 404, 409) } },
  }, async (request, reply) => respondEmpty(reply, await deleteProcurement(context, accountOf(request), request.params.id)));
}
