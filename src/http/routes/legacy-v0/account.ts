// /v0/balance, /v0/transactions, /v0/instances and /v0/credentials: the older API's view of an
// account's money, machines and SSH keys.

import type { AppContext } from '../../../app/kernel/context.js';
import { getV0Balance, listV0Transactions } from '../../../app/legacy-v0/billing.js';
import { getV0Instance, listV0Instances } from '../../../app/legacy-v0/instances.js';
import { createSshKey, deleteSshKey, listSshKeys } from '../../../app/tenancy/ssh-keys.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderV0Balance, renderV0Credential, renderV0Credentials, renderV0Instance, renderV0List, renderV0Transactions } from '../../render/legacy-v0.js';
import { respond, respondEmpty } from '../../respond.js';
import { errorResponses } from '../../schemas/errors.js';
import { V0BalanceResponse, V0CreateCredentialRequest, V0CredentialResponse, V0IdPathParams, V0ListCredentialsResponse, V0InstanceResponse, V0ListInstancesQuery, V0ListInstancesResponse, V0TransactionsQuery, V0TransactionsResponse } from '../../schemas/legacy-v0.js';

export function registerV0AccountRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.legacyV0] };

  app.get('/v0/balance', {
    config,
    schema: { ...tagged, summary: 'Get balance (v0)', description: 'As /v1/balances: cents, rounded down.', response: { 200: V0BalanceResponse, ...errorResponses(401) } },
  }, async (request, reply) => reply.send(renderV0Balance(await getV0Balance(context, accountOf(request)))));

  app.get('/v0/transactions', {
    config,
    schema: { ...tagged, summary: 'List transactions (v0)', description: 'Credit grants (promotional_credit) and the buys and sells of fills, newest first; each id is its cursor.', querystring: V0TransactionsQuery, response: { 200: V0TransactionsResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await listV0Transactions(context, accountOf(request), request.query), 200, renderV0Transactions));

  app.get('/v0/instances', {
    config,
    schema: { ...tagged, summary: 'List instances (v0)', description: 'The account\'s v2 instances, newest first, with their instance type and zone.', querystring: V0ListInstancesQuery, response: { 200: V0ListInstancesResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await listV0Instances(context, accountOf(request), request.query), 200, renderV0List(renderV0Instance)));

  app.get('/v0/instances/:id', {
    config,
    schema: { ...tagged, summary: 'Get an instance (v0)', params: V0IdPathParams, response: { 200: V0InstanceResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getV0Instance(context, accountOf(request), request.params.id), 200, renderV0Instance));

  app.get('/v0/credentials', {
    config,
    schema: { ...tagged, summary: 'List credentials (v0)', description: 'The account\'s SSH public keys, oldest first, which every VM it starts authorises.', response: { 200: V0ListCredentialsResponse, ...errorResponses(401) } },
  }, async (request, reply) => reply.send(renderV0Credentials(await listSshKeys(context, accountOf(request)))));

  app.post('/v0/credentials', {
    config,
    schema: { ...tagged, summary: 'Create a credential (v0)', description: 'Adds an SSH public key to the account: VMs it starts from now on authorise it.', body: V0CreateCredentialRequest, response: { 200: V0CredentialResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await createSshKey(context, accountOf(request), request.body), 200, renderV0Credential));

  app.delete('/v0/credentials/:id', {
    config,
    schema: { ...tagged, summary: 'Delete a credential (v0)', description: 'allot\'s addition: removes an SSH key; VMs started from now on no longer authorise it.', params: V0IdPathParams, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(401, 404) } },
  }, async (request, reply) => respondEmpty(reply, await deleteSshKey(context, accountOf(request), request.params.id)));
}
