// Users: `/preview/v2/users` (the people of the caller's account) and the operator's
// `/admin/v1/accounts/{id}/users` and `/admin/v1/users/{id}`, which add and remove them.

import type { AppContext } from '../../../app/kernel/context.js';
import { addUser, getUser, listAccountUsers, listUsers, removeUser } from '../../../app/tenancy/users.js';
import { isFailure } from '../../../domain/kernel/failures.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderUser } from '../../render/tenancy.js';
import { respond, respondEmpty, respondPage } from '../../respond.js';
import { AccountPathParams } from '../../schemas/accounts.js';
import { errorResponses } from '../../schemas/errors.js';
import { AddUserRequest, ListUsersQuery, ListUsersResponse, UserPathParams, UserResponse } from '../../schemas/users.js';

export function registerUserRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.users] };

  app.get('/preview/v2/users', {
    config,
    schema: { ...tagged, summary: 'List users', description: 'The users of the caller\'s account, newest first.', querystring: ListUsersQuery, response: { 200: ListUsersResponse, ...errorResponses(401, 403, 422) } },
  }, async (request, reply) => respondPage(reply, await listUsers(context, accountOf(request), request.query), renderUser));

  app.get('/preview/v2/users/:id', {
    config,
    schema: { ...tagged, summary: 'Get user', params: UserPathParams, response: { 200: UserResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await getUser(context, accountOf(request), request.params.id), 200, renderUser));

  const operator = { audience: 'operator' as const };
  const admin = { tags: [tags.admin], security: [{ admin_token: [] }] };

  app.post('/admin/v1/accounts/:id/users', {
    config: operator,
    schema: { ...admin, summary: 'Add a user to an account', description: 'Emails are unique within an account, in any case. Issue the user tokens with POST /admin/v1/accounts/{id}/tokens {user}.', params: AccountPathParams, body: AddUserRequest, response: { 201: UserResponse, ...errorResponses(400, 401, 404, 409) } },
  }, async (request, reply) => respond(reply, await addUser(context, request.params.id, request.body), 201, renderUser));

  app.get('/admin/v1/accounts/:id/users', {
    config: operator,
    schema: { ...admin, summary: 'List an account\'s users', params: AccountPathParams, querystring: ListUsersQuery, response: { 200: ListUsersResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => respondPage(reply, await listAccountUsers(context, request.params.id, request.query), renderUser));

  app.delete('/admin/v1/users/:id', {
    config: operator,
    schema: { ...admin, summary: 'Remove a user', description: 'The user leaves their account, and every token of theirs is revoked at once.', params: UserPathParams, response: { 204: { type: 'null', description: 'Removed.' }, ...errorResponses(401, 404) } },
  }, async (request, reply) => {
    const removed = await removeUser(context, request.params.id);
    return respondEmpty(reply, isFailure(removed) ? removed : null);
  });
}
