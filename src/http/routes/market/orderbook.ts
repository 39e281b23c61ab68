// /preview/v2/orderbook: windows, quote, depth and fills. Anonymous by construction: levels sum
// orders per SKU and rate, fills carry no participants. And what each instance SKU has for sale
// (/preview/v2/instance_skus/availability): what its resting sells still offer.

import type { AppContext } from '../../../app/kernel/context.js';
import { getAvailability, listAvailability } from '../../../app/market/availability.js';
import { getDepth, getQuote, listFills, listWindows } from '../../../app/market/orderbook.js';
import { type ApiServer, tags } from '../../api-server.js';
import { renderAvailability, renderDepth, renderFills, renderQuote, renderWindows } from '../../render/market.js';
import { respond, respondPage } from '../../respond.js';
import { IdPathParams } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import { AvailabilityQuery, InstanceSkuAvailability, ListAvailabilityResponse } from '../../schemas/instance-skus.js';
import { DepthQuery, DepthResponse, FillsQuery, FillsResponse, QuoteResponse, WindowQuery, WindowsQuery, WindowsResponse } from '../../schemas/orderbook.js';

export function registerOrderbookRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.orderbook] };

  app.get('/preview/v2/orderbook/windows', {
    config,
    schema: {
      ...tagged,
      summary: 'List market windows',
      description: 'Each SKU and delivery window (an order\'s own start and end) with resting orders overlapping the range, by (start_at, end_at, instance_sku) ascending.',
      querystring: WindowsQuery,
      response: { 200: WindowsResponse, ...errorResponses(401, 422) },
    },
  }, async (request, reply) => respond(reply, await listWindows(context, request.query), 200, renderWindows));

  app.get('/preview/v2/orderbook/quote', {
    config,
    schema: { ...tagged, summary: 'Get market quote', description: 'The best bid and best ask for what resting orders still offer within the window.', querystring: WindowQuery, response: { 200: QuoteResponse, ...errorResponses(401, 422) } },
  }, async (request, reply) => respond(reply, await getQuote(context, request.query), 200, renderQuote));

  app.get('/preview/v2/orderbook/depth', {
    config,
    schema: { ...tagged, summary: 'Get market depth', description: 'Price levels per SKU and rate: bids highest first, asks lowest first.', querystring: DepthQuery, response: { 200: DepthResponse, ...errorResponses(401, 422) } },
  }, async (request, reply) => respond(reply, await getDepth(context, request.query), 200, renderDepth));

  app.get('/preview/v2/orderbook/fills', {
    config,
    schema: { ...tagged, summary: 'List market fills', description: 'Contracts on SKUs meeting the requirements that overlap the window, newest first.', querystring: FillsQuery, response: { 200: FillsResponse, ...errorResponses(401, 422) } },
  }, async (request, reply) => respond(reply, await listFills(context, request.query), 200, renderFills));

  const skus = { tags: [tags.instanceSkus] };

  app.get('/preview/v2/instance_skus/availability', {
    config,
    schema: { ...skus, summary: 'List instance SKU availability', description: 'Node counts available for purchase over time, per SKU; each property is an equality filter.', querystring: AvailabilityQuery, response: { 200: ListAvailabilityResponse, ...errorResponses(401, 422) } },
  }, async (request, reply) => {
    const { limit, starting_after, ending_before, ...filter } = request.query;
    const page = await listAvailability(context, filter, { limit, starting_after, ending_before });
    return respondPage(reply, page, renderAvailability);
  });

  app.get('/preview/v2/instance_skus/:id/availability', {
    config,
    schema: { ...skus, summary: 'Get instance SKU availability', params: IdPathParams, response: { 200: InstanceSkuAvailability, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getAvailability(context, request.params.id), 200, renderAvailability));
}
