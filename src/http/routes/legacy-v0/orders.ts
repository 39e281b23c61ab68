// /v0/orders: SF Compute's older orders, on allot's book.

import type { AppContext } from '../../../app/kernel/context.js';
import { cancelAllV0Orders, cancelV0Order, createV0Order, getV0Order, getV0OrderClusters, listV0Orders, type V0OrderReading } from '../../../app/legacy-v0/orders.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf, callerOf } from '../../auth.js';
import { renderV0Cancelled, renderV0CancelledAll, renderV0OffsetList, renderV0Order, renderV0OrderClusters } from '../../render/legacy-v0.js';
import { answerWith, respond, respondAnswer } from '../../respond.js';
import { IdempotencyHeaders } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import {
  V0CancelAllOrdersResponse,
  V0CancelOrderResponse,
  V0CreateOrderRequest,
  V0IdPathParams,
  V0ListOrdersQuery,
  V0ListOrdersResponse,
  V0OrderClustersResponse,
  V0OrderResponse,
} from '../../schemas/legacy-v0.js';

export function registerV0OrderRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.legacyV0] };

  app.post('/v0/orders', {
    config,
    schema: {
      ...tagged,
      summary: 'Place an order (v0)',
      description: 'An all-or-nothing order for a total price in cents, matched at once and resting unless flags.ioc; a buy fills into the pool v0 of the default workspace, a sell sells from the pool of its contract_id. 201, as SF Compute\'s live API answers.',
      headers: IdempotencyHeaders,
      body: V0CreateOrderRequest,
      response: { 201: V0OrderResponse, ...errorResponses(400, 401, 402, 404, 409) },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    const key = request.headers['idempotency-key'];
    return respondAnswer(reply, await createV0Order(context, caller.accountId, caller.tokenId, request.body, key, answerWith(reply, 201, (reading: V0OrderReading) => renderV0Order(reading, key))));
  });

  app.get('/v0/orders', {
    config,
    schema: { ...tagged, summary: 'List orders (v0)', description: 'The account\'s own orders (not its procurements\'), newest first unless sorted, by limit and offset.', querystring: V0ListOrdersQuery, response: { 200: V0ListOrdersResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await listV0Orders(context, accountOf(request), request.query), 200, renderV0OffsetList((reading: Parameters<typeof renderV0Order>[0]) => renderV0Order(reading))));

  app.delete('/v0/orders', {
    config,
    schema: { ...tagged, summary: 'Cancel all open orders (v0)', description: 'Cancels every resting order of the account\'s own in one transaction; procurements keep theirs.', response: { 200: V0CancelAllOrdersResponse, ...errorResponses(401) } },
  }, async (request, reply) => {
    return reply.code(200).send(renderV0CancelledAll(await cancelAllV0Orders(context, accountOf(request))));
  });

  app.get('/v0/orders/:id', {
    config,
    schema: { ...tagged, summary: 'Get an order (v0)', params: V0IdPathParams, response: { 200: V0OrderResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getV0Order(context, accountOf(request), request.params.id), 200, (reading) => renderV0Order(reading)));

  app.delete('/v0/orders/:id', {
    config,
    schema: { ...tagged, summary: 'Cancel an order (v0)', description: 'A filled or cancelled order answers 400, as SF Compute\'s does.', params: V0IdPathParams, response: { 200: V0CancelOrderResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => respond(reply, await cancelV0Order(context, accountOf(request), request.params.id), 200, renderV0Cancelled));

  app.get('/v0/orders/:id/clusters', {
    config,
    schema: { ...tagged, summary: 'Get clusters for an order (v0)', description: 'allot has no Kubernetes clusters: always an empty list, once the order is found.', params: V0IdPathParams, response: { 200: V0OrderClustersResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getV0OrderClusters(context, accountOf(request), request.params.id), 200, renderV0OrderClusters));
}
