// /preview/v2/instance_skus, /preview/v2/instance_sku_property_catalog, and the operator's
// /admin/v1/instance_skus. What a SKU has for sale is the market's (routes/market/orderbook.ts).

import { getInstanceSku, listInstanceSkus, listPropertyCatalog, registerInstanceSku } from '../../../app/allocation/instance-skus.js';
import type { AppContext } from '../../../app/kernel/context.js';
import { type ApiServer, tags } from '../../api-server.js';
import { renderCatalogEntry, renderInstanceSku } from '../../render/allocation.js';
import { respond, respondPage } from '../../respond.js';
import { IdPathParams } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import {
  InstanceSkuResponse,
  ListInstanceSkusQuery,
  ListInstanceSkusResponse,
  ListPropertyCatalogQuery,
  ListPropertyCatalogResponse,
  RegisterInstanceSkuRequest,
} from '../../schemas/instance-skus.js';

export function registerInstanceSkuRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.instanceSkus] };

  app.get('/preview/v2/instance_skus', {
    config,
    schema: { ...tagged, summary: 'List instance SKUs', querystring: ListInstanceSkusQuery, response: { 200: ListInstanceSkusResponse, ...errorResponses(401, 422) } },
  }, async (request, reply) =>
    respondPage(reply, await listInstanceSkus(context, request.query), renderInstanceSku));

  app.get('/preview/v2/instance_skus/:id', {
    config,
    schema: { ...tagged, summary: 'Get instance SKU', params: IdPathParams, response: { 200: InstanceSkuResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getInstanceSku(context, request.params.id), 200, renderInstanceSku));

  app.get('/preview/v2/instance_sku_property_catalog', {
    config,
    schema: { ...tagged, summary: 'List the property catalog', description: 'Every property key and the values the registered SKUs take.', querystring: ListPropertyCatalogQuery, response: { 200: ListPropertyCatalogResponse, ...errorResponses(401, 422) } },
  }, async (request, reply) =>
    respondPage(reply, await listPropertyCatalog(context, request.query), renderCatalogEntry));

  app.post('/admin/v1/instance_skus', {
    config: { audience: 'operator' },
    schema: { tags: [tags.admin], security: [{ admin_token: [] }], summary: 'Register an instance SKU', body: RegisterInstanceSkuRequest, response: { 201: InstanceSkuResponse, ...errorResponses(400, 401, 409) } },
  }, async (request, reply) => respond(reply, await registerInstanceSku(context, request.body), 201, renderInstanceSku));
}
