// /preview/v2/me and /v1/_healthz; the legacy /v0 account routes (v0-tokens.ts) and
// feature flags (feature-flags.ts) and users (users.ts) beside them

import { getMe } from '../../../app/tenancy/users.js';
import type { AppContext } from '../../../app/kernel/context.js';
import { type ApiServer, tags } from '../../api-server.js';
import { callerOf } from '../../auth.js';
import { renderMe } from '../../render/tenancy.js';
import { respond } from '../../respond.js';
import { MeResponse } from '../../schemas/accounts.js';
import { errorResponses } from '../../schemas/errors.js';
import { registerFeatureFlagRoutes } from './feature-flags.js';
import { registerUserRoutes } from './users.js';
import { registerV0TokenRoutes } from './v0-tokens.js';

export function registerAccountRoutes(app: ApiServer, context: AppContext): void {
  app.get('/preview/v2/me', {
    config: { audience: 'account' },
    schema: { tags: [tags.account], summary: 'Get the authenticated account and logged-in user', response: { 200: MeResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) =>
    respond(reply, await getMe(context, callerOf(request)), 200, renderMe));

  app.get('/v1/_healthz', {
    schema: { tags: [tags.health], summary: 'Health check', security: [], response: { 200: { type: 'string', description: 'ok' } } },
  }, async (_request, reply) => reply.type('text/plain').send('ok'));

  registerV0TokenRoutes(app, context);
  registerFeatureFlagRoutes(app, context);
  registerUserRoutes(app, context);
}
