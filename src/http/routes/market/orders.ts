// /preview/v2/orders and /preview/v2/order_preview

import type { AppContext } from '../../../app/kernel/context.js';
import { previewOrder } from '../../../app/market/orderbook.js';
import { cancelOrder, createOrder, getOrder, listOrders } from '../../../app/market/orders.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf, callerOf } from '../../auth.js';
import { renderOrder, renderPreview } from '../../render/market.js';
import { answerWith, respond, respondAnswer, respondEmpty, respondPage } from '../../respond.js';
import { IdempotencyHeaders, IdPathParams } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import { CreateOrderRequest, ListOrdersQuery, ListOrdersResponse, OrderPreviewRequest, OrderPreviewResponse, OrderResponse } from '../../schemas/orders.js';

export function registerOrderRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.orders] };

  app.post('/preview/v2/orders', {
    config,
    schema: {
      ...tagged,
      summary: 'Create order',
      description:
        'Places a buy or sell and matches it at once against the resting orders of the other side: best price first, then first come, at the resting order\'s price. What does not fill rests on the book when allow_standing is true and is cancelled otherwise. A buy holds its limit price times its node-hours out of the available balance while it may fill.',
      headers: IdempotencyHeaders,
      body: CreateOrderRequest,
      response: { 201: OrderResponse, ...errorResponses(401, 402, 403, 404, 422, 503) },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    return respondAnswer(reply, await createOrder(context, caller.accountId, caller, request.body, request.headers['idempotency-key'], answerWith(reply, 201, renderOrder)));
  });

  app.get('/preview/v2/orders', {
    config,
    schema: { ...tagged, summary: 'List orders', description: 'Orders a procurement placed are listed only with procurement=.', querystring: ListOrdersQuery, response: { 200: ListOrdersResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => respondPage(reply, await listOrders(context, accountOf(request), request.query), renderOrder));

  app.get('/preview/v2/orders/:id', {
    config,
    schema: { ...tagged, summary: 'Get order', params: IdPathParams, response: { 200: OrderResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await getOrder(context, accountOf(request), request.params.id), 200, renderOrder));

  app.delete('/preview/v2/orders/:id', {
    config,
    schema: { ...tagged, summary: 'Cancel order', description: 'Cancels a resting order at once; what a buy holds returns to the available balance. A final order answers 422.', params: IdPathParams, response: { 204: { type: 'null', description: 'Cancelled.' }, ...errorResponses(401, 403, 404, 422) } },
  }, async (request, reply) => respondEmpty(reply, await cancelOrder(context, accountOf(request), request.params.id)));

  app.post('/preview/v2/order_preview', {
    config,
    schema: {
      ...tagged,
      summary: 'Preview order',
      description: 'Runs the matcher on the book as it stands, placing nothing, for an all-or-nothing order on each SKU that meets the requirements, and quotes the best: post_order_body, posted as it is, fills at the estimated price if the book has not moved.',
      body: OrderPreviewRequest,
      response: { 200: OrderPreviewResponse, ...errorResponses(401, 422) },
    },
  }, async (request, reply) => respond(reply, await previewOrder(context, accountOf(request), request.body), 200, renderPreview));
}
