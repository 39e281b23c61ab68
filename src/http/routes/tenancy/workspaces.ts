// /preview/v2/workspaces

import type { AppContext } from '../../../app/kernel/context.js';
import { createWorkspace, deleteWorkspace, getWorkspace, listWorkspaces, renameWorkspace } from '../../../app/tenancy/workspaces.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderWorkspace, renderWorkspaces } from '../../render/tenancy.js';
import { respond, respondEmpty } from '../../respond.js';
import { errorResponses } from '../../schemas/errors.js';
import {
  CreateWorkspaceRequest,
  ListWorkspacesQuery,
  ListWorkspacesResponse,
  PatchWorkspaceRequest,
  WorkspacePathParams,
  WorkspaceResponse,
} from '../../schemas/workspaces.js';

export function registerWorkspaceRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.workspaces] };

  app.post('/preview/v2/workspaces', {
    config,
    schema: { ...tagged, summary: 'Create workspace', body: CreateWorkspaceRequest, response: { 201: WorkspaceResponse, ...errorResponses(400, 401, 403) } },
  }, async (request, reply) => respond(reply, await createWorkspace(context, accountOf(request), request.body), 201, renderWorkspace));

  app.get('/preview/v2/workspaces', {
    config,
    schema: { ...tagged, summary: 'List workspaces', querystring: ListWorkspacesQuery, response: { 200: ListWorkspacesResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => {
    const workspaces = await listWorkspaces(context, accountOf(request), request.query.id ?? []);
    return respond(reply, workspaces, 200, renderWorkspaces);
  });

  app.get('/preview/v2/workspaces/:workspace', {
    config,
    schema: { ...tagged, summary: 'Get workspace', params: WorkspacePathParams, response: { 200: WorkspaceResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await getWorkspace(context, accountOf(request), request.params.workspace), 200, renderWorkspace));

  app.patch('/preview/v2/workspaces/:workspace', {
    config,
    schema: { ...tagged, summary: 'Rename workspace', params: WorkspacePathParams, body: PatchWorkspaceRequest, response: { 200: WorkspaceResponse, ...errorResponses(400, 401, 403, 404) } },
  }, async (request, reply) => respond(reply, await renameWorkspace(context, accountOf(request), request.params.workspace, request.body), 200, renderWorkspace));

  app.delete('/preview/v2/workspaces/:workspace', {
    config,
    schema: { ...tagged, summary: 'Delete workspace', description: 'The workspace must be empty, and an account\'s default workspace cannot be deleted.', params: WorkspacePathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(401, 403, 404, 422) } },
  }, async (request, reply) => respondEmpty(reply, await deleteWorkspace(context, accountOf(request), request.params.workspace)));
}
