// The agent API (docs/fleet.md): `allot agent` registers its host, heartbeats and sends its
// guests' console output, authenticated by a host token. The token is resolved before the body
// is read, so a wrong token is refused (401) whatever the body.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { heartbeat, registerHost, saveInstanceLogs } from '../../../app/fleet/agents.js';
import { authenticateHostToken } from '../../../app/fleet/host-tokens.js';
import type { AppContext } from '../../../app/kernel/context.js';
import type { FleetSettings } from '../../../domain/fleet/hosts.js';
import { isFailure } from '../../../domain/kernel/failures.js';
import { type ApiServer, tags } from '../../api-server.js';
import { sendFailure } from '../../errors.js';
import { renderHeartbeat, renderRegistered } from '../../render/fleet.js';
import { respond, respondEmpty } from '../../respond.js';
import { errorResponses } from '../../schemas/errors.js';
import { HeartbeatRequest, HeartbeatResponse, HostIdParams, LogsRequest, RegisterHostRequest, RegisterHostResponse } from '../../schemas/fleet.js';
import { baseUrl } from '../compute/images.js';

export function registerAgentRoutes(app: ApiServer, context: AppContext, settings: FleetSettings): void {
  const tokens = new WeakMap<FastifyRequest, string>();
  const onRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    const found = await authenticateHostToken(context, request.headers.authorization);
    if (isFailure(found)) return sendFailure(reply, found);
    tokens.set(request, found.tokenId);
  };
  const tokenOf = (request: FastifyRequest) => tokens.get(request)!;
  const route = { tags: [tags.fleet], security: [{ host_token: [] }] };

  app.post('/agent/v1/hosts', {
    onRequest,
    schema: { ...route, summary: 'Register a host', description: 'host_id null registers a new host; the agent sends the id it was given on every restart, which updates the host and counts as a heartbeat.', body: RegisterHostRequest, response: { 200: RegisterHostResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => respond(reply, await registerHost(context, tokenOf(request), request.body, settings), 200, renderRegistered));

  app.post('/agent/v1/hosts/:host_id/heartbeat', {
    onRequest,
    schema: { ...route, summary: 'Heartbeat', description: 'The agent reports every guest it has; the answer names every instance the host should have, and what to do with each.', params: HostIdParams, body: HeartbeatRequest, response: { 200: HeartbeatResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => respond(reply, await heartbeat(context, tokenOf(request), request.params.host_id, request.body, settings, baseUrl(request)), 200, renderHeartbeat));

  app.post('/agent/v1/hosts/:host_id/logs', {
    onRequest,
    schema: { ...route, summary: 'Send console output', description: 'Idempotent by (instance_id, seqnum): a chunk sent again is kept once.', params: HostIdParams, body: LogsRequest, response: { 204: { type: 'null', description: 'Kept.' }, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => respondEmpty(reply, await saveInstanceLogs(context, tokenOf(request), request.params.host_id, request.body)));
}
