// /preview/v2/deployments

import type { AppContext } from '../../app/context.js';
import { createDeployment, type DeploymentReading, deleteDeployment, getDeployment, listDeployments, patchDeployment } from '../../app/deployments.js';
import { deploymentStatus } from '../../domain/deployments.js';
import { formatDollars } from '../../domain/money.js';
import { formatResourcePath, resourceTypes } from '../../domain/resource-paths.js';
import type { ProcurementView } from '../../store/store.js';
import { type ApiServer, tags } from '../api-server.js';
import { accountOf } from '../auth.js';
import { respond, respondEmpty, respondPage } from '../respond.js';
import { IdPathParams } from '../schemas/common.js';
import { CreateDeploymentRequest, DeploymentResource, ListDeploymentsQuery, ListDeploymentsResponse, PatchDeploymentRequest } from '../schemas/deployments.js';
import { errorResponses } from '../schemas/errors.js';
import { renderInstanceSkuSummary } from './instance-skus.js';

function status({ deployment, running, awaiting, procurement }: DeploymentReading) {
  return deploymentStatus({
    enabled: deployment.enabled,
    targetInstanceCount: deployment.targetInstanceCount,
    running,
    awaiting,
    procurement: procurement === null ? null : { state: procurement.statusState, message: procurement.statusMessage },
  });
}

function renderSpotDeployment(reading: DeploymentReading & { procurement: ProcurementView }) {
  const { deployment, procurement } = reading;
  return {
    object: 'spot_deployment' as const,
    id: deployment.id,
    resource_path: formatResourcePath(resourceTypes.spotDeployment, deployment.accountId, deployment.workspaceName, deployment.name),
    owner: deployment.accountId,
    workspace: deployment.workspaceName,
    workspace_id: deployment.workspaceId,
    name: deployment.name,
    pool: { id: deployment.poolId, name: deployment.poolName },
    instance_template: { id: deployment.instanceTemplateId, name: deployment.instanceTemplateName },
    instance_sku: renderInstanceSkuSummary(deployment.instanceSkuId, deployment.instanceSkuAlias),
    enabled: deployment.enabled,
    target_instance_count: deployment.targetInstanceCount,
    max_buy_price_dollars_per_node_hour: formatDollars(procurement.maxBuyMicros),
    instance_name_template: deployment.instanceNameTemplate,
    status: status(reading),
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
  };
}

export function renderDeployment(reading: DeploymentReading) {
  const { deployment, procurement } = reading;
  if (procurement !== null) return renderSpotDeployment({ ...reading, procurement });
  const pool = { id: deployment.poolId, name: deployment.poolName };
  return {
    object: 'deployment' as const,
    id: deployment.id,
    resource_path: formatResourcePath(resourceTypes.deployment, deployment.accountId, deployment.workspaceName, deployment.name),
    owner: deployment.accountId,
    workspace: deployment.workspaceName,
    workspace_id: deployment.workspaceId,
    name: deployment.name,
    capacity: pool,
    pool,
    instance_sku: renderInstanceSkuSummary(deployment.instanceSkuId, deployment.instanceSkuAlias),
    instance_template: { id: deployment.instanceTemplateId, name: deployment.instanceTemplateName },
    enabled: deployment.enabled,
    target_instance_count: deployment.targetInstanceCount,
    instance_name_template: deployment.instanceNameTemplate,
    status: status(reading),
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
  };
}

export function registerDeploymentRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.deployments] };

  app.post('/preview/v2/deployments', {
    config,
    schema: { ...tagged, summary: 'Create deployment', description: 'A generic deployment keeps target_instance_count instances from a template on a pool\'s allocation, replacing those that end; a spot deployment also buys that allocation, an hour ahead, at no more than max_buy_price_dollars_per_node_hour.', body: CreateDeploymentRequest, response: { 201: DeploymentResource, ...errorResponses(400, 401, 404, 409, 422) } },
  }, async (request, reply) => respond(reply, await createDeployment(context, accountOf(request), request.body), 201, renderDeployment));

  app.get('/preview/v2/deployments', {
    config,
    schema: { ...tagged, summary: 'List deployments', querystring: ListDeploymentsQuery, response: { 200: ListDeploymentsResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => respondPage(reply, await listDeployments(context, accountOf(request), request.query), renderDeployment));

  app.get('/preview/v2/deployments/:id', {
    config,
    schema: { ...tagged, summary: 'Get deployment', params: IdPathParams, response: { 200: DeploymentResource, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getDeployment(context, accountOf(request), request.params.id), 200, renderDeployment));

  app.patch('/preview/v2/deployments/:id', {
    config,
    schema: { ...tagged, summary: 'Update deployment', description: 'A new template applies to instances created from now on.', params: IdPathParams, body: PatchDeploymentRequest, response: { 200: DeploymentResource, ...errorResponses(400, 401, 404, 409, 422) } },
  }, async (request, reply) => respond(reply, await patchDeployment(context, accountOf(request), request.params.id, request.body), 200, renderDeployment));

  app.delete('/preview/v2/deployments/:id', {
    config,
    schema: { ...tagged, summary: 'Delete deployment', description: 'Its instances are terminated.', params: IdPathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(401, 404) } },
  }, async (request, reply) => respondEmpty(reply, await deleteDeployment(context, accountOf(request), request.params.id)));
}
