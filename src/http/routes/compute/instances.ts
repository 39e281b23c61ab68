// /preview/v2/instances and /preview/v2/instance_templates, and the operator's
// /admin/v1/instances/{id}/fail.

import type { AppContext } from '../../../app/kernel/context.js';
import { createInstanceTemplate, deleteInstanceTemplate, getInstanceTemplate, listInstanceTemplates } from '../../../app/compute/instance-templates.js';
import {
  createInstance,
  deleteInstance,
  failInstance,
  getInstance,
  instanceLogs,
  type InstanceReading,
  instanceSsh,
  listInstances,
  replaceInstance,
  terminateInstance,
  updateInstance,
  updateInstancePriorities,
} from '../../../app/compute/instances.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderInstance, renderInstanceBatch, renderInstanceLogs, renderInstanceSsh, renderInstanceTemplate } from '../../render/compute.js';
import { answerWith, respond, respondAnswer, respondEmpty, respondPage } from '../../respond.js';
import { IdempotencyHeaders, IdPathParams } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import {
  BatchPatchInstancesRequest,
  BatchPatchInstancesResponse,
  CreateInstanceRequest,
  CreateInstanceTemplateRequest,
  InstanceLogsQuery,
  InstanceLogsResponse,
  InstanceQuery,
  InstanceResponse,
  InstanceSshResponse,
  InstanceTemplateResponse,
  ListInstancesQuery,
  ListInstancesResponse,
  ListInstanceTemplatesQuery,
  ListInstanceTemplatesResponse,
  PatchInstanceRequest,
  ReplaceInstanceRequest,
} from '../../schemas/instances.js';

export function registerInstanceRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.instances] };
  const templates = { tags: [tags.instanceTemplates] };

  app.post('/preview/v2/instances', {
    config,
    schema: { ...tagged, summary: 'Create instance', description: 'The instance awaits allocation on its pool and SKU, and runs while allocation covers it.', body: CreateInstanceRequest, response: { 201: InstanceResponse, ...errorResponses(401, 403, 404, 422) } },
  }, async (request, reply) => respond(reply, await createInstance(context, accountOf(request), request.body), 201, (reading) => renderInstance(reading)));

  app.get('/preview/v2/instances', {
    config,
    schema: { ...tagged, summary: 'List instances', querystring: ListInstancesQuery, response: { 200: ListInstancesResponse, ...errorResponses(401, 403, 404, 422) } },
  }, async (request, reply) => respondPage(reply, await listInstances(context, accountOf(request), request.query), (reading) => renderInstance(reading, request.query.include)));

  app.patch('/preview/v2/instances', {
    config,
    schema: { ...tagged, summary: 'Update the priority of several instances', description: 'All or none: one unknown instance refuses the batch (422). The last entry for an id wins.', body: BatchPatchInstancesRequest, response: { 200: BatchPatchInstancesResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => {
    const result = await updateInstancePriorities(context, accountOf(request), request.body.data);
    return respond(reply, result, 200, renderInstanceBatch);
  });

  app.get('/preview/v2/instances/:id', {
    config,
    schema: { ...tagged, summary: 'Get instance', params: IdPathParams, querystring: InstanceQuery, response: { 200: InstanceResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await getInstance(context, accountOf(request), request.params.id), 200, (reading) => renderInstance(reading, request.query.include)));

  app.patch('/preview/v2/instances/:id', {
    config,
    schema: { ...tagged, summary: 'Update instance', params: IdPathParams, body: PatchInstanceRequest, response: { 200: InstanceResponse, ...errorResponses(400, 401, 403, 404, 422) } },
  }, async (request, reply) => respond(reply, await updateInstance(context, accountOf(request), request.params.id, request.body), 200, (reading) => renderInstance(reading)));

  app.delete('/preview/v2/instances/:id', {
    config,
    schema: { ...tagged, summary: 'Delete instance', description: 'Only a terminated or failed instance (409 otherwise).', params: IdPathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(401, 403, 404, 409) } },
  }, async (request, reply) => respondEmpty(reply, await deleteInstance(context, accountOf(request), request.params.id)));

  app.post('/preview/v2/instances/:id/terminate', {
    config,
    schema: { ...tagged, summary: 'Terminate instance', description: 'Stops it at once; it never runs again.', params: IdPathParams, response: { 200: InstanceResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await terminateInstance(context, accountOf(request), request.params.id), 200, (reading) => renderInstance(reading)));

  app.post('/preview/v2/instances/:id/replace', {
    config,
    schema: { ...tagged, summary: 'Replace instance', description: 'Terminates it and creates a replacement on the same pool and SKU, in one step.', params: IdPathParams, headers: IdempotencyHeaders, body: ReplaceInstanceRequest, response: { 201: InstanceResponse, ...errorResponses(400, 401, 403, 404, 422) } },
  }, async (request, reply) =>
    respondAnswer(reply, await replaceInstance(context, accountOf(request), request.params.id, request.body, request.headers['idempotency-key'], answerWith(reply, 201, (reading: InstanceReading) => renderInstance(reading)))));

  app.get('/preview/v2/instances/:id/logs', {
    config,
    schema: { ...tagged, summary: 'Get instance console logs', params: IdPathParams, querystring: InstanceLogsQuery, response: { 200: InstanceLogsResponse, ...errorResponses(401, 403, 404, 422) } },
  }, async (request, reply) =>
    respond(reply, await instanceLogs(context, accountOf(request), request.params.id, request.query), 200, renderInstanceLogs));

  app.get('/preview/v2/instances/:id/ssh', {
    config,
    schema: { ...tagged, summary: 'Get instance SSH details', params: IdPathParams, response: { 200: InstanceSshResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) =>
    respond(reply, await instanceSsh(context, accountOf(request), request.params.id), 200, renderInstanceSsh));

  app.post('/admin/v1/instances/:id/fail', {
    config: { audience: 'operator' },
    schema: { tags: [tags.admin], security: [{ admin_token: [] }], summary: 'Fail an instance\'s hardware', description: 'Marks the instance failed, as a hardware fault would; it never runs again.', params: IdPathParams, response: { 200: InstanceResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await failInstance(context, request.params.id), 200, (reading) => renderInstance(reading)));

  app.post('/preview/v2/instance_templates', {
    config,
    schema: { ...templates, summary: 'Create instance template', body: CreateInstanceTemplateRequest, response: { 201: InstanceTemplateResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => respond(reply, await createInstanceTemplate(context, accountOf(request), request.body), 201, (template) => renderInstanceTemplate(template)));

  app.get('/preview/v2/instance_templates', {
    config,
    schema: { ...templates, summary: 'List instance templates', querystring: ListInstanceTemplatesQuery, response: { 200: ListInstanceTemplatesResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => respondPage(reply, await listInstanceTemplates(context, accountOf(request), request.query), (template) => renderInstanceTemplate(template, request.query.include)));

  app.get('/preview/v2/instance_templates/:id', {
    config,
    schema: { ...templates, summary: 'Get instance template', params: IdPathParams, querystring: InstanceQuery, response: { 200: InstanceTemplateResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await getInstanceTemplate(context, accountOf(request), request.params.id), 200, (template) => renderInstanceTemplate(template, request.query.include)));

  app.delete('/preview/v2/instance_templates/:id', {
    config,
    schema: { ...templates, summary: 'Delete instance template', description: 'Refused (422) while deployments use it.', params: IdPathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(401, 403, 404, 422) } },
  }, async (request, reply) => respondEmpty(reply, await deleteInstanceTemplate(context, accountOf(request), request.params.id)));
}
