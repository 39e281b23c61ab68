// /v0/vms/* (VMs are v2 instances under `vm_` ids), /v1/vms/images and /v1/account/me.

import { getAccount } from '../../app/accounts.js';
import type { AppContext } from '../../app/context.js';
import { createDownloadUrl, listRunnableImages } from '../../app/images.js';
import { getVmScript, listVms, setVmScript, vmLogs, vmSsh } from '../../app/vms.js';
import { vmStatusOf } from '../../domain/nodes.js';
import { type ApiServer, tags } from '../api-server.js';
import { accountOf } from '../auth.js';
import { respond } from '../respond.js';
import { errorResponses } from '../schemas/errors.js';
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
} from '../schemas/vms.js';
import { baseUrl } from './images.js';
import { vmId } from './nodes.js';

const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString();

export function registerVmRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.vms] };

  app.get('/v0/vms/instances', {
    config,
    schema: { ...tagged, summary: 'List VMs', description: 'Every instance of the account, oldest first, as a VM; cluster_id is its zone.', response: { 200: VmInstancesResponse, ...errorResponses(401) } },
  }, async (request, reply) => {
    const { vms, zones } = await listVms(context, accountOf(request));
    return reply.send({ data: vms.map((vm) => ({ id: vmId(vm.id), cluster_id: zones.get(vm.instanceSkuId) ?? '', current_status: vmStatusOf(vm.status), last_updated_at: isoTime(vm.updatedAt) })) });
  });

  app.get('/v0/vms/logs2', {
    config,
    schema: { ...tagged, summary: 'Get VM logs', description: 'The console log; since_* bounds are inclusive, before_* exclusive.', querystring: VmLogsQuery, response: { 200: VmLogsResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) =>
    respond(reply, await vmLogs(context, accountOf(request), request.query), 200, (lines) => ({
      data: lines.map((line) => ({
        instance_id: request.query.instance_id,
        realtime_timestamp: isoTime(line.timestampRealtime),
        monotonic_timestamp_sec: line.monotonicSeconds,
        monotonic_timestamp_nano_sec: line.monotonicNanos,
        seqnum: line.seqnum,
        data: [...Buffer.from(line.data)],
      })),
    })));

  app.get('/v0/vms/ssh', {
    config,
    schema: { ...tagged, summary: 'Get VM SSH details', querystring: VmSshQuery, response: { 200: VmSshResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) =>
    respond(reply, await vmSsh(context, accountOf(request), request.query.vm_id), 200, (ssh) => ({
      ssh_hostname: ssh.hostname,
      ssh_port: ssh.port,
      ssh_host_keys: ssh.hostKeys.map((key) => ({ key_type: key.keyType, base64_encoded_key: key.key })),
      last_successful_key_update: ssh.lastSuccessfulKeyUpdateAt,
      last_attempted_key_update: ssh.lastAttemptedKeyUpdateAt,
    })));

  app.get('/v0/vms/script', {
    config,
    schema: { ...tagged, summary: 'Get the VM script', description: 'The cloud-init user data v1 nodes start with when they are given none; 404 until one is set.', response: { 200: VmScriptResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getVmScript(context, accountOf(request)), 200, (script) => ({ script })));

  app.post('/v0/vms/script', {
    config,
    schema: { ...tagged, summary: 'Set the VM script', body: VmScriptRequest, response: { 200: VmScriptResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await setVmScript(context, accountOf(request), request.body.script), 200, (script) => ({ script })));

  app.get('/v1/vms/images', {
    config,
    schema: { ...tagged, summary: 'List VM images', description: 'The images of the default workspace and the public ones, oldest first.', response: { 200: VmImagesResponse, ...errorResponses(401) } },
  }, async (request, reply) =>
    reply.send({
      object: 'list' as const,
      has_more: false,
      data: (await listRunnableImages(context, accountOf(request))).map((image) => ({
        object: 'image' as const,
        image_id: image.id,
        name: image.name,
        upload_status: image.uploadStatus,
        sha256_hash: image.sha256,
        created_at: image.createdAt,
      })),
    }));

  app.get('/v1/vms/images/:id', {
    config,
    schema: { ...tagged, summary: 'Get VM image', description: 'With a signed download URL.', params: VmImagePathParams, response: { 200: VmImageResponse, ...errorResponses(401, 404, 409) } },
  }, async (request, reply) =>
    respond(reply, await createDownloadUrl(context, accountOf(request), request.params.id, baseUrl(request)), 200, (download) => ({
      object: 'image' as const,
      image_id: download.image.id,
      name: download.image.name,
      download_url: download.url,
      expires_at: isoTime(download.expiresAt),
      object_size: download.size,
      sha256_hash: download.sha256,
    })));

  app.get('/v1/account/me', {
    config,
    schema: { tags: [tags.account], summary: 'Get the calling account (v1)', description: 'allot accounts are never frozen or waitlisted.', response: { 200: AccountMeResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) =>
    respond(reply, await getAccount(context, accountOf(request)), 200, (account) => ({
      id: account.id,
      role: 'user',
      is_frozen: false,
      kyc: 'basic',
      submitted_waitlist: true,
      waitlist: false,
      kycb_form_submitted: false,
      created_at: account.createdAt,
    })));
}
