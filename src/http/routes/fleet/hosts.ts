// The operator's fleet (docs/fleet.md): host tokens, hosts (cordon, uncordon, drain, remove) and,
// per SKU, whether hosts supply the market.

import { createHostToken, listHostTokens, revokeHostToken } from '../../../app/fleet/host-tokens.js';
import { cordonHost, drainHost, getHost, listHosts, listSkuSupply, removeHost, setSkuSupply, uncordonHost } from '../../../app/fleet/hosts.js';
import type { AppContext } from '../../../app/kernel/context.js';
import { type ApiServer, tags } from '../../api-server.js';
import { renderCreatedHostToken, renderHost, renderHostToken, renderSkuSupply, renderSkuSupplyList } from '../../render/fleet.js';
import { respond, respondPage } from '../../respond.js';
import { errorResponses } from '../../schemas/errors.js';
import {
  CreatedHostTokenResponse,
  CreateHostTokenRequest,
  DrainHostRequest,
  HostResponse,
  HostTokenResponse,
  FleetIdParams,
  ListHostsQuery,
  ListHostsResponse,
  ListHostTokensQuery,
  ListHostTokensResponse,
  ListSkuSupplyResponse,
  SetSkuSupplyRequest,
  SkuParams,
  SkuSupplyResponse,
} from '../../schemas/fleet.js';

export function registerFleetOperatorRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'operator' as const };
  const route = { tags: [tags.fleet], security: [{ admin_token: [] }] };

  app.post('/admin/v1/host_tokens', {
    config,
    schema: { ...route, summary: 'Create a host token', description: 'What `allot agent --token` registers a host with. The token is in this response only.', body: CreateHostTokenRequest, response: { 201: CreatedHostTokenResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await createHostToken(context, request.body), 201, renderCreatedHostToken));

  app.get('/admin/v1/host_tokens', {
    config,
    schema: { ...route, summary: 'List host tokens', description: 'Newest first, revoked ones included; never the tokens themselves.', querystring: ListHostTokensQuery, response: { 200: ListHostTokensResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respondPage(reply, await listHostTokens(context, request.query), renderHostToken));

  app.delete('/admin/v1/host_tokens/:id', {
    config,
    schema: { ...route, summary: 'Revoke a host token', description: 'The hosts using it are refused (401) from their next call on. Revoking twice changes nothing.', params: FleetIdParams, response: { 200: HostTokenResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await revokeHostToken(context, request.params.id), 200, renderHostToken));

  app.get('/admin/v1/hosts', {
    config,
    schema: { ...route, summary: 'List hosts', description: 'The hosts not removed, newest first, with the instances placed on them.', querystring: ListHostsQuery, response: { 200: ListHostsResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respondPage(reply, await listHosts(context, request.query), renderHost));

  app.get('/admin/v1/hosts/:id', {
    config,
    schema: { ...route, summary: 'Get a host', params: FleetIdParams, response: { 200: HostResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getHost(context, request.params.id), 200, renderHost));

  app.post('/admin/v1/hosts/:id/cordon', {
    config,
    schema: { ...route, summary: 'Cordon a host', description: 'It takes no new instances; what runs on it keeps running.', params: FleetIdParams, response: { 200: HostResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await cordonHost(context, request.params.id), 200, renderHost));

  app.post('/admin/v1/hosts/:id/uncordon', {
    config,
    schema: { ...route, summary: 'Uncordon a host', description: 'It takes instances again; a maintenance window it had ends.', params: FleetIdParams, response: { 200: HostResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await uncordonHost(context, request.params.id), 200, renderHost));

  app.post('/admin/v1/hosts/:id/drain', {
    config,
    schema: {
      ...route,
      summary: 'Drain a host for maintenance',
      description: 'From now on the host takes no new instances; from start_at what runs on it ends (deployments replace it elsewhere), and its window shows in order previews of its SKU as a notice. After end_at it is ready again.',
      params: FleetIdParams,
      body: DrainHostRequest,
      response: { 200: HostResponse, ...errorResponses(400, 401, 404) },
    },
  }, async (request, reply) => respond(reply, await drainHost(context, request.params.id, request.body), 200, renderHost));

  app.delete('/admin/v1/hosts/:id', {
    config,
    schema: { ...route, summary: 'Remove a host', description: 'What runs on it fails, its supply is retired, and its agent is refused from then on.', params: FleetIdParams, response: { 200: HostResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await removeHost(context, request.params.id), 200, renderHost));

  app.get('/admin/v1/fleet/instance_skus', {
    config,
    schema: { ...route, summary: 'List the SKUs\' supply settings', response: { 200: ListSkuSupplyResponse, ...errorResponses(401) } },
  }, async (_request, reply) => reply.send(renderSkuSupplyList(await listSkuSupply(context))));

  app.put('/admin/v1/fleet/instance_skus/:sku', {
    config,
    schema: {
      ...route,
      summary: 'Choose whether a SKU\'s hosts supply the market',
      description: 'With a supply pool (an originating pool), each host of the SKU that is up issues its nodes into it from the next whole minute on; null retires what they issued from then on.',
      params: SkuParams,
      body: SetSkuSupplyRequest,
      response: { 200: SkuSupplyResponse, ...errorResponses(400, 401, 404) },
    },
  }, async (request, reply) => respond(reply, await setSkuSupply(context, request.params.sku, request.body), 200, renderSkuSupply));
}
