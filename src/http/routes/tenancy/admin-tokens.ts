// The operator's view of API tokens: list any account's tokens (never their values) and revoke
// any token. A revoked token is refused from the next request on, on every allot process.

import type { AppContext } from '../../../app/kernel/context.js';
import { listAccountTokens, revokeAnyToken } from '../../../app/tenancy/tokens.js';
import { type ApiServer, tags } from '../../api-server.js';
import { renderApiToken, renderApiTokenPage } from '../../render/tenancy.js';
import { respond } from '../../respond.js';
import { AccountPathParams } from '../../schemas/accounts.js';
import { errorResponses } from '../../schemas/errors.js';
import { ApiTokenResponse, ListApiTokensQuery, ListApiTokensResponse, TokenPathParams } from '../../schemas/tokens.js';

export function registerAdminTokenRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'operator' as const };
  const route = { tags: [tags.admin], security: [{ admin_token: [] }] };

  app.get('/admin/v1/accounts/:id/tokens', {
    config,
    schema: { ...route, summary: 'List an account\'s API tokens', description: 'Newest first, revoked ones included; never the tokens themselves.', params: AccountPathParams, querystring: ListApiTokensQuery, response: { 200: ListApiTokensResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) =>
    respond(reply, await listAccountTokens(context, request.params.id, request.query), 200, renderApiTokenPage));

  app.delete('/admin/v1/tokens/:id', {
    config,
    schema: { ...route, summary: 'Revoke an API token', description: 'Revokes any account\'s token at once. Revoking a revoked token changes nothing.', params: TokenPathParams, response: { 200: ApiTokenResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) =>
    respond(reply, await revokeAnyToken(context, request.params.id), 200, (revoked) => renderApiToken(revoked.record, revoked.now)));
}
