// The legacy `/v0` account operations the `sf` CLI calls: `/v0/me` (who the token belongs to),
// `/v0/ping`, and `/v0/tokens` (create, list, delete the account's own tokens). Tokens are
// tenancy's, so their legacy routes live with it; their shapes are SF Compute's `POST /v0/tokens`.

import type { AppContext } from '../../../app/kernel/context.js';
import { getAccount } from '../../../app/tenancy/accounts.js';
import { issueOwnToken, listOwnTokens, revokeOwnToken } from '../../../app/tenancy/tokens.js';
import { isFailure } from '../../../domain/kernel/failures.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf, callerOf } from '../../auth.js';
import { renderV0CreatedToken, renderV0DeletedToken, renderV0Me, renderV0Ping, renderV0TokenNotFound, renderV0TokenPage } from '../../render/tenancy.js';
import { respond } from '../../respond.js';
import { errorResponses } from '../../schemas/errors.js';
import {
  TokenPathParams,
  V0CreatedTokenResponse,
  V0CreateTokenRequest,
  V0DeletedTokenResponse,
  V0ListTokensQuery,
  V0ListTokensResponse,
  V0MeResponse,
  V0PingResponse,
  V0TokenNotFoundResponse,
} from '../../schemas/tokens.js';

export function registerV0TokenRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };

  app.get('/v0/me', {
    config,
    schema: { tags: [tags.account], summary: 'Get the calling account (legacy)', description: 'The id of the account the token belongs to.', response: { 200: V0MeResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getAccount(context, accountOf(request)), 200, renderV0Me));

  app.get('/v0/ping', {
    schema: { tags: [tags.health], summary: 'Health check (legacy)', security: [], response: { 200: V0PingResponse } },
  }, async (_request, reply) => reply.send(renderV0Ping(context.clock.now())));

  app.post('/v0/tokens', {
    config,
    schema: {
      tags: [tags.tokens],
      summary: 'Create an API token (legacy)',
      description: 'A new token of the caller\'s account, acting for the same user as the calling token (or for the account). The token is in this response only.',
      body: V0CreateTokenRequest,
      response: { 200: V0CreatedTokenResponse, ...errorResponses(400, 401) },
    },
  }, async (request, reply) => respond(reply, await issueOwnToken(context, callerOf(request), request.body), 200, renderV0CreatedToken));

  app.get('/v0/tokens', {
    config,
    schema: { tags: [tags.tokens], summary: 'List API tokens (legacy)', description: 'The account\'s tokens that are not deleted, newest first; expired ones included. Never the tokens themselves.', querystring: V0ListTokensQuery, response: { 200: V0ListTokensResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await listOwnTokens(context, accountOf(request), request.query), 200, renderV0TokenPage));

  app.delete('/v0/tokens/:id', {
    config,
    schema: { tags: [tags.tokens], summary: 'Delete an API token (legacy)', description: 'Revokes the token at once; it may be the calling token itself.', params: TokenPathParams, response: { 200: V0DeletedTokenResponse, 404: V0TokenNotFoundResponse, ...errorResponses(401) } },
  }, async (request, reply) => {
    const revoked = await revokeOwnToken(context, accountOf(request), request.params.id);
    // The `sf` CLI reads a top-level `code` from this 404, as SF Compute's legacy API sent it.
    if (isFailure(revoked) && revoked.failure === 'token_not_found') return reply.code(404).send(renderV0TokenNotFound(revoked));
    return respond(reply, revoked, 200, renderV0DeletedToken);
  });
}
