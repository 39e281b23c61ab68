// /preview/v2/instance_skus, /preview/v2/instance_sku_property_catalog, and the operator's
// /admin/v1/instance_skus.

import type { AppContext } from '../../app/context.js';
import {
  type CatalogPageEntry,
  getAvailability,
  getInstanceSku,
  listAvailability,
  listInstanceSkus,
  listPropertyCatalog,
  registerInstanceSku,
  type SkuAvailability,
} from '../../app/instance-skus.js';
import { displayValue, skuPropertyKeys } from '../../domain/instance-skus.js';
import { toRectangles } from '../../domain/schedule.js';
import type { InstanceSkuRecord } from '../../store/store.js';
import { type ApiServer, tags } from '../api-server.js';
import { respond, respondPage } from '../respond.js';
import { IdPathParams } from '../schemas/common.js';
import { errorResponses } from '../schemas/errors.js';
import {
  AvailabilityQuery,
  InstanceSkuAvailability,
  InstanceSkuResponse,
  ListAvailabilityResponse,
  ListInstanceSkusQuery,
  ListInstanceSkusResponse,
  ListPropertyCatalogQuery,
  ListPropertyCatalogResponse,
  RegisterInstanceSkuRequest,
} from '../schemas/instance-skus.js';

export function renderInstanceSkuSummary(id: string, alias: string) {
  return { object: 'instance_sku' as const, id, alias };
}

export function renderInstanceSku(sku: InstanceSkuRecord) {
  const properties = Object.fromEntries(
    skuPropertyKeys.map((key) => {
      const value = sku.properties[key];
      return [key, value === null ? null : { value, display_value: displayValue(key, value) }];
    }),
  );
  return { object: 'instance_sku' as const, id: sku.id, alias: sku.alias, ...properties, audience_hint: null };
}

function renderAvailability(availability: SkuAvailability) {
  return {
    object: 'instance_sku_availability' as const,
    instance_sku: renderInstanceSkuSummary(availability.sku.id, availability.sku.alias),
    schedule: toRectangles(availability.schedule, availability.from),
  };
}

function renderCatalogEntry(entry: CatalogPageEntry) {
  const item = (name: string, displayName: string, description: string, stableAt: number) => ({
    name,
    display_name: displayName,
    description,
    documentation_link: null,
    stable_at: stableAt,
    deprecated_at: null,
    deprecation_info: null,
  });
  return {
    type: 'enumeration' as const,
    key: item(entry.key, entry.displayName, entry.description, entry.stableAt),
    values: entry.values.map((value) => item(value.name, value.displayName, `${entry.displayName}: ${value.displayName}`, value.stableAt)),
  };
}

export function registerInstanceSkuRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.instanceSkus] };

  app.get('/preview/v2/instance_skus', {
    config,
    schema: { ...tagged, summary: 'List instance SKUs', querystring: ListInstanceSkusQuery, response: { 200: ListInstanceSkusResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) =>
    respondPage(reply, await listInstanceSkus(context, request.query), renderInstanceSku));

  app.get('/preview/v2/instance_skus/availability', {
    config,
    schema: { ...tagged, summary: 'List instance SKU availability', description: 'Node counts available for purchase over time, per SKU; each property is an equality filter.', querystring: AvailabilityQuery, response: { 200: ListAvailabilityResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => {
    const { limit, starting_after, ending_before, ...filter } = request.query;
    const page = await listAvailability(context, filter, { limit, starting_after, ending_before });
    return respondPage(reply, page, renderAvailability);
  });

  app.get('/preview/v2/instance_skus/:id', {
    config,
    schema: { ...tagged, summary: 'Get instance SKU', params: IdPathParams, response: { 200: InstanceSkuResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getInstanceSku(context, request.params.id), 200, renderInstanceSku));

  app.get('/preview/v2/instance_skus/:id/availability', {
    config,
    schema: { ...tagged, summary: 'Get instance SKU availability', params: IdPathParams, response: { 200: InstanceSkuAvailability, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getAvailability(context, request.params.id), 200, renderAvailability));

  app.get('/preview/v2/instance_sku_property_catalog', {
    config,
    schema: { ...tagged, summary: 'List the property catalog', description: 'Every property key and the values the registered SKUs take.', querystring: ListPropertyCatalogQuery, response: { 200: ListPropertyCatalogResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) =>
    respondPage(reply, await listPropertyCatalog(context, request.query), renderCatalogEntry));

  app.post('/admin/v1/instance_skus', {
    config: { audience: 'operator' },
    schema: { tags: [tags.admin], security: [{ admin_token: [] }], summary: 'Register an instance SKU', body: RegisterInstanceSkuRequest, response: { 201: InstanceSkuResponse, ...errorResponses(400, 401, 409) } },
  }, async (request, reply) => respond(reply, await registerInstanceSku(context, request.body), 201, renderInstanceSku));
}
