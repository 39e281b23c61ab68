// /preview/v2/deployments

import type { AppContext } from '../../../app/kernel/context.js';
import { createDeployment, deleteDeployment, getDeployment, listDeployments, patchDeployment } from '../../../app/compute/deployments.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderDeployment } from '../../render/compute.js';
import { respond, respondEmpty, respondPage } from '../../respond.js';
import { IdPathParams } from '../../schemas/common.js';
import { CreateDeploymentRequest, DeploymentResource, ListDeploymentsQuery, ListDeploymentsResponse, PatchDeploymentRequest } from '../../schemas/deployments.js';
import { errorResponses } from '../../schemas/errors.js';

export function registerDeploymentRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.deployments] };

  app.post('/preview/v2/deployments', {
    // SF Compute lists 409 for a pool and SKU that already have an automation, 400 for a duplicate name.
    config: { ...config, failureStatus: { name_taken: 400 } },
    schema: { ...tagged, summary: 'Create deployment', description: 'A generic deployment keeps target_instance_count instances from a template on a pool\'s allocation, replacing those that end; a spot deployment also buys that allocation, an hour ahead, at no more than max_buy_price_dollars_per_node_hour.', body: CreateDeploymentRequest, response: { 201: DeploymentResource, ...errorResponses(400, 401, 403, 409, 422) } },
  }, async (request, reply) => respond(reply, await createDeployment(context, accountOf(request), request.body), 201, renderDeployment));

  app.get('/preview/v2/deployments', {
    config,
    schema: { ...tagged, summary: 'List deployments', querystring: ListDeploymentsQuery, response: { 200: ListDeploymentsResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => respondPage(reply, await listDeployments(context, accountOf(request), request.query), renderDeployment));

  app.get('/preview/v2/deployments/:id', {
    config,
    schema: { ...tagged, summary: 'Get deployment', params: IdPathParams, response: { 200: DeploymentResource, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await getDeployment(context, accountOf(request), request.params.id), 200, renderDeployment));

  app.patch('/preview/v2/deployments/:id', {
    config,
    schema: { ...tagged, summary: 'Update deployment', description: 'A new template applies to instances created from now on.', params: IdPathParams, body: PatchDeploymentRequest, response: { 200: DeploymentResource, ...errorResponses(400, 401, 403, 404, 422) } },
  }, async (request, reply) => respond(reply, await patchDeployment(context, accountOf(request), request.params.id, request.body), 200, renderDeployment));

  app.delete('/preview/v2/deployments/:id', {
    config,
    schema: { ...tagged, summary: 'Delete deployment', description: 'Its instances are terminated.', params: IdPathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respondEmpty(reply, await deleteDeployment(context, accountOf(request), request.params.id)));
}
