// /v1/nodes and /v0/zones: the v1 nodes API (see app/nodes-v1/nodes.ts for what a node is underneath).

import type { AppContext } from '../../../app/kernel/context.js';
import { createNodes, deleteNode, extendNode, getNode, listNodes, nodeSsh, redeployNode, releaseNode } from '../../../app/nodes-v1/nodes.js';
import { getZone, listZones } from '../../../app/nodes-v1/zones.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderNode, renderNodes, renderNodeSsh, renderZone, renderZones } from '../../render/nodes-v1.js';
import { respond, respondEmpty } from '../../respond.js';
import { errorResponses } from '../../schemas/errors.js';
import {
  CreateNodesRequest,
  ExtendNodeRequest,
  ListNodesQuery,
  ListNodesResponse,
  ListZonesResponse,
  NodePathParams,
  NodeResponse,
  NodeSshResponse,
  RedeployNodeRequest,
  ZonePathParams,
  ZoneResponse,
} from '../../schemas/nodes.js';

export function registerNodeRoutes(app: ApiServer, context: AppContext): void {
  // SF Compute's v1 nodes API documents 400 for a bad request and 422 for capacity and state.
  const config = { audience: 'account' as const, failureStatus: { invalid_request: 400 } };
  const tagged = { tags: [tags.nodes] };

  app.post('/v1/nodes', {
    config,
    schema: {
      ...tagged,
      summary: 'Create nodes',
      description:
        'Reserved nodes (an end_at on the hour) buy their window at once at no more than max_price_per_node_hour (cents), all or nothing: 422 when the market cannot, 402 when the balance cannot. Autoreserved nodes keep buying an hour ahead at no more than it, through a spot deployment. Each node is a pool of the same name in the default workspace.',
      body: CreateNodesRequest,
      response: { 201: ListNodesResponse, ...errorResponses(400, 401, 402, 404, 409, 422) },
    },
  }, async (request, reply) => respond(reply, await createNodes(context, accountOf(request), request.body), 201, renderNodes));

  app.get('/v1/nodes', {
    config,
    schema: { ...tagged, summary: 'List nodes', description: 'Filter by id, name or type, one at a time.', querystring: ListNodesQuery, response: { 200: ListNodesResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await listNodes(context, accountOf(request), request.query), 200, renderNodes));

  app.get('/v1/nodes/:id', {
    config,
    schema: { ...tagged, summary: 'Get node', params: NodePathParams, response: { 200: NodeResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getNode(context, accountOf(request), request.params.id), 200, renderNode));

  app.get('/v2/nodes/:id/ssh', {
    config,
    schema: { ...tagged, summary: 'Get node SSH details', description: 'The SSH details of the node\'s current VM, as `sf nodes ssh` reads them; 404 before it has one or while it has not started.', params: NodePathParams, response: { 200: NodeSshResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await nodeSsh(context, accountOf(request), request.params.id), 200, renderNodeSsh));

  app.delete('/v1/nodes/:id', {
    config,
    schema: { ...tagged, summary: 'Delete node', description: 'Refused (400) while its VM is pending or running.', params: NodePathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => respondEmpty(reply, await deleteNode(context, accountOf(request), request.params.id)));

  app.patch('/v1/nodes/:id/extend', {
    config,
    schema: { ...tagged, summary: 'Extend node', description: 'Buys whole hours after a reserved node\'s end at no more than the given price: 422 when the market cannot, 402 when the balance cannot.', params: NodePathParams, body: ExtendNodeRequest, response: { 200: NodeResponse, ...errorResponses(400, 401, 402, 404, 422) } },
  }, async (request, reply) => respond(reply, await extendNode(context, accountOf(request), request.params.id, request.body), 200, renderNode));

  app.put('/v1/nodes/:id/redeploy', {
    config,
    schema: { ...tagged, summary: 'Redeploy node', description: 'Replaces its VM; with override_empty, what the request leaves out is cleared instead of kept.', params: NodePathParams, body: RedeployNodeRequest, response: { 200: NodeResponse, ...errorResponses(400, 401, 404, 422) } },
  }, async (request, reply) => respond(reply, await redeployNode(context, accountOf(request), request.params.id, request.body), 200, renderNode));

  app.patch('/v1/nodes/:id/release', {
    config,
    schema: { ...tagged, summary: 'Release node', description: 'Stops an autoreserved node\'s procurement: its VM runs out what was bought (end_at). 409 when already released.', params: NodePathParams, response: { 200: NodeResponse, ...errorResponses(401, 404, 409, 422) } },
  }, async (request, reply) => respond(reply, await releaseNode(context, accountOf(request), request.params.id), 200, renderNode));

  app.get('/v0/zones', {
    config,
    schema: { ...tagged, summary: 'List zones', description: 'One zone per availability zone of H100 or H200 SKUs, with what the market offers there.', response: { 200: ListZonesResponse, ...errorResponses(401) } },
  }, async (request, reply) => reply.send(renderZones(await listZones(context))));

  app.get('/v0/zones/:id', {
    config,
    schema: { ...tagged, summary: 'Get zone', params: ZonePathParams, response: { 200: ZoneResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getZone(context, request.params.id), 200, renderZone));
}
