// /v0/vms/* (VMs are v2 instances under `vm_` ids), /v1/vms/images and /v1/account/me.

import { getAccount } from '../../../app/tenancy/accounts.js';
import type { AppContext } from '../../../app/kernel/context.js';
import { createDownloadUrl, listRunnableImages } from '../../../app/compute/images.js';
import { vmImagesListMax } from '../../../domain/kernel/limits.js';
import { getVmScript, listVms, setVmScript, vmLogs, vmSsh } from '../../../app/nodes-v1/vms.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderAccountMe, renderVmImageDownload, renderVmImages, renderVmInstances, renderVmLogs, renderVmScript, renderVmSsh } from '../../render/nodes-v1.js';
import { respond } from '../../respond.js';
import { errorResponses } from '../../schemas/errors.js';
import {
  AccountMeResponse,
  VmImagePathParams,
  VmImageResponse,
  VmImagesResponse,
  VmInstancesResponse,
  VmLogsQuery,
  VmLogsResponse,
  VmScriptRequest,
  VmScriptResponse,
  VmSshQuery,
  VmSshResponse,
} from '../../schemas/vms.js';
import { baseUrl } from '../compute/images.js';

export function registerVmRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.vms] };

  app.get('/v0/vms/instances', {
    config,
    schema: { ...tagged, summary: 'List VMs', description: 'Every instance of the account, oldest first, as a VM; cluster_id is its zone.', response: { 200: VmInstancesResponse, ...errorResponses(401) } },
  }, async (request, reply) => reply.send(renderVmInstances(await listVms(context, accountOf(request)))));

  app.get('/v0/vms/logs2', {
    config,
    schema: { ...tagged, summary: 'Get VM logs', description: 'The console log; since_* bounds are inclusive, before_* exclusive.', querystring: VmLogsQuery, response: { 200: VmLogsResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) =>
    respond(reply, await vmLogs(context, accountOf(request), request.query), 200, (lines) => renderVmLogs(request.query.instance_id, lines)));

  app.get('/v0/vms/ssh', {
    config,
    schema: { ...tagged, summary: 'Get VM SSH details', querystring: VmSshQuery, response: { 200: VmSshResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) =>
    respond(reply, await vmSsh(context, accountOf(request), request.query.vm_id), 200, renderVmSsh));

  app.get('/v0/vms/script', {
    config,
    schema: { ...tagged, summary: 'Get the VM script', description: 'The cloud-init user data v1 nodes start with when they are given none; 404 until one is set.', response: { 200: VmScriptResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getVmScript(context, accountOf(request)), 200, renderVmScript));

  app.post('/v0/vms/script', {
    config,
    schema: { ...tagged, summary: 'Set the VM script', body: VmScriptRequest, response: { 200: VmScriptResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await setVmScript(context, accountOf(request), request.body.script), 200, renderVmScript));

  app.get('/v1/vms/images', {
    config,
    schema: { ...tagged, summary: 'List VM images', description: `The images of the default workspace and the public ones, oldest first: the first ${vmImagesListMax}, with has_more true when there are more (page through /preview/v2/images for those).`, response: { 200: VmImagesResponse, ...errorResponses(401) } },
  }, async (request, reply) => reply.send(renderVmImages(await listRunnableImages(context, accountOf(request)))));

  app.get('/v1/vms/images/:id', {
    config,
    schema: { ...tagged, summary: 'Get VM image', description: 'With a signed download URL.', params: VmImagePathParams, response: { 200: VmImageResponse, ...errorResponses(401, 404, 409) } },
  }, async (request, reply) =>
    respond(reply, await createDownloadUrl(context, accountOf(request), request.params.id, baseUrl(request)), 200, renderVmImageDownload));

  app.get('/v1/account/me', {
    config,
    schema: { tags: [tags.account], summary: 'Get the calling account (v1)', description: 'allot accounts are never frozen or waitlisted.', response: { 200: AccountMeResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) =>
    respond(reply, await getAccount(context, accountOf(request)), 200, renderAccountMe));
}
