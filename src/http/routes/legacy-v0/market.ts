// /v0/contracts and /v0/quote: the older API's view of what an account bought and what the book offers.

import type { AppContext } from '../../../app/kernel/context.js';
import { getContract, listContracts } from '../../../app/legacy-v0/contracts.js';
import { getQuote } from '../../../app/legacy-v0/quotes.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderContract, renderQuote, renderV0List } from '../../render/legacy-v0.js';
import { respond } from '../../respond.js';
import { errorResponses } from '../../schemas/errors.js';
import { V0ContractResponse, V0ListContractsQuery, V0ListContractsResponse, V0QuoteQuery, V0QuoteResponse, V0IdPathParams } from '../../schemas/legacy-v0.js';

export function registerV0MarketRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.legacyV0] };

  app.get('/v0/contracts', {
    config,
    schema: { ...tagged, summary: 'List contracts (v0)', description: 'The contracts the account bought (its buy orders\' fills), newest first; every state but Expired unless state is given.', querystring: V0ListContractsQuery, response: { 200: V0ListContractsResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await listContracts(context, accountOf(request), request.query), 200, renderV0List(renderContract)));

  app.get('/v0/contracts/:id', {
    config,
    schema: { ...tagged, summary: 'Get contract (v0)', params: V0IdPathParams, response: { 200: V0ContractResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getContract(context, accountOf(request), request.params.id), 200, renderContract));

  app.get('/v0/quote', {
    config,
    schema: {
      ...tagged,
      summary: 'Get a quote (v0)',
      description: 'Prices the block on the book as order_preview does, for each window the start and duration ranges allow (the earliest start and later starts on the hour; ends on the hour, or the longest duration when no hour falls within it), and quotes the one cheapest per node-hour. A zone (cluster) decides the SKU; otherwise the instance type does.',
      querystring: V0QuoteQuery,
      response: { 200: V0QuoteResponse, ...errorResponses(400, 401, 404) },
    },
  }, async (request, reply) => respond(reply, await getQuote(context, accountOf(request), request.query), 200, renderQuote));
}
