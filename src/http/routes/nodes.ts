// /v1/nodes and /v0/zones: the v1 nodes API (see app/nodes.ts for what a node is underneath).

import type { AppContext } from '../../app/context.js';
import { createNodes, deleteNode, extendNode, getNode, listNodes, type NodeReading, redeployNode, releaseNode } from '../../app/nodes.js';
import { getZone, listZones, type ZoneReading } from '../../app/zones.js';
import { vmStatusOf } from '../../domain/nodes.js';
import { toRectangles } from '../../domain/schedule.js';
import type { InstanceRecord } from '../../store/store.js';
import { type ApiServer, tags } from '../api-server.js';
import { accountOf } from '../auth.js';
import { respond, respondEmpty } from '../respond.js';
import { errorResponses } from '../schemas/errors.js';
import {
  CreateNodesRequest,
  ExtendNodeRequest,
  ListNodesQuery,
  ListNodesResponse,
  ListZonesResponse,
  NodePathParams,
  NodeResponse,
  RedeployNodeRequest,
  ZonePathParams,
  ZoneResponse,
} from '../schemas/nodes.js';

/** A v2 instance id under its v1 name. */
export function vmId(instanceId: string): string {
  return `vm_${instanceId.slice('inst_'.length)}`;
}

function renderVm(vm: InstanceRecord, zone: string) {
  return {
    object: 'vm' as const,
    id: vmId(vm.id),
    status: vmStatusOf(vm.status),
    created_at: vm.createdAt,
    updated_at: vm.updatedAt,
    start_at: vm.startedAt,
    end_at: vm.endedAt,
    image_id: vm.imageId,
    zone,
  };
}

function renderNode({ node, vms, status }: NodeReading) {
  const current = vms.at(-1);
  return {
    object: 'node' as const,
    id: node.id,
    name: node.name,
    zone: node.zone,
    gpu_type: node.gpuType,
    owner: node.accountId,
    status,
    created_at: node.createdAt,
    updated_at: node.updatedAt,
    start_at: node.startAt,
    end_at: node.endAt,
    deleted_at: node.deletedAt,
    procurement_id: node.procurementId,
    max_price_per_node_hour: node.maxPriceCents,
    node_type: node.nodeType,
    vms: { object: 'list' as const, data: vms.map((vm) => renderVm(vm, node.zone)) },
    current_vm: current === undefined ? null : renderVm(current, node.zone),
  };
}

function renderZone({ zone, capacity, from }: ZoneReading) {
  return {
    object: 'zone' as const,
    name: zone.name,
    display_name: zone.displayName,
    // Bounded rectangles only: the open-ended tail of a schedule is the zero after the last ask.
    available_capacity: toRectangles(capacity, from)
      .filter((rectangle) => rectangle.end_at !== null)
      .map((rectangle) => ({ start_timestamp: rectangle.start_at, end_timestamp: rectangle.end_at!, quantity: rectangle.node_count })),
    region: zone.region,
    hardware_type: zone.hardwareType,
    interconnect_type: zone.interconnectType,
    delivery_type: 'VM' as const,
  };
}

function renderNodes(readings: readonly NodeReading[]) {
  return { object: 'list' as const, data: readings.map(renderNode) };
}

export function registerNodeRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
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
  }, async (request, reply) => reply.send({ object: 'list' as const, data: (await listZones(context)).map(renderZone) }));

  app.get('/v0/zones/:id', {
    config,
    schema: { ...tagged, summary: 'Get zone', params: ZonePathParams, response: { 200: ZoneResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getZone(context, request.params.id), 200, renderZone));
}
