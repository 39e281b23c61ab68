// /v0/procurements: SF Compute's older procurements, a view over v2's (`sf scale`, `sf nodes set`).

import type { AppContext } from '../../../app/kernel/context.js';
import { createV0Procurement, getV0Procurement, listV0Procurements, patchV0Procurement } from '../../../app/legacy-v0/procurements.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderV0OffsetList, renderV0Procurement } from '../../render/legacy-v0.js';
import { answerWith, respond, respondAnswer } from '../../respond.js';
import { IdempotencyHeaders } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import { V0CreateProcurementRequest, V0IdPathParams, V0ListProcurementsQuery, V0ListProcurementsResponse, V0PatchProcurementRequest, V0ProcurementResponse } from '../../schemas/legacy-v0.js';

export function registerV0ProcurementRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.legacyV0] };

  app.get('/v0/procurements', {
    config,
    schema: { ...tagged, summary: 'List procurements (v0)', description: 'Every procurement of the account, newest first, by limit and offset.', querystring: V0ListProcurementsQuery, response: { 200: V0ListProcurementsResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await listV0Procurements(context, accountOf(request), request.query), 200, renderV0OffsetList(renderV0Procurement)));

  app.post('/v0/procurements', {
    config,
    schema: {
      ...tagged,
      summary: 'Create procurement (v0)',
      description: 'Makes a market pool in the default workspace and a v2 procurement on it, on the SKU of the instance type (in the pinned zone) where its first hour is cheapest now.',
      headers: IdempotencyHeaders,
      body: V0CreateProcurementRequest,
      response: { 200: V0ProcurementResponse, ...errorResponses(400, 401, 409) },
    },
  }, async (request, reply) => respondAnswer(reply, await createV0Procurement(context, accountOf(request), request.body, request.headers['idempotency-key'], answerWith(reply, 200, renderV0Procurement))));

  app.get('/v0/procurements/:id', {
    config,
    schema: { ...tagged, summary: 'Get procurement (v0)', params: V0IdPathParams, response: { 200: V0ProcurementResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getV0Procurement(context, accountOf(request), request.params.id), 200, renderV0Procurement));

  app.patch('/v0/procurements/:id', {
    config,
    schema: {
      ...tagged,
      summary: 'Update procurement (v0)',
      description: 'Changes the procurement and runs it. An autoreserved node\'s procurement changes only its buy_limit_price_per_gpu_hour (the node\'s max price); anything else is a 409.',
      params: V0IdPathParams,
      body: V0PatchProcurementRequest,
      response: { 200: V0ProcurementResponse, ...errorResponses(400, 401, 404, 409) },
    },
  }, async (request, reply) => respond(reply, await patchV0Procurement(context, accountOf(request), request.params.id, request.body), 200, renderV0Procurement));
}
