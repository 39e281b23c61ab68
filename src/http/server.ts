// Builds the HTTP server: Fastify with the API's conventions (auth, validation, the error
// envelope, JSON 404 and 405), every route, the served OpenAPI document at /openapi.json and a
// browsable reference at /docs. Nothing here decides anything; routes call use cases.

import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, LogController } from 'fastify';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import secureJson from 'secure-json-parse';
import type { AppContext } from '../app/kernel/context.js';
import { requestBodyBytesMax } from '../domain/kernel/limits.js';
import type { ApiServer } from './api-server.js';
import { registerAuth } from './auth.js';
import { registerConsole } from './console.js';
import { errorBody, handleError } from './errors.js';
import { openApiDocumentOptions } from './openapi-document.js';
import { registerAccountRoutes } from './routes/tenancy/account.js';
import { registerAdminAccountRoutes } from './routes/tenancy/admin-accounts.js';
import { registerOperatorRoutes } from './routes/operator/operator.js';
import { registerBillingRoutes } from './routes/market/billing.js';
import { registerDeploymentRoutes } from './routes/compute/deployments.js';
import { registerImageRoutes } from './routes/compute/images.js';
import { registerInstanceSkuRoutes } from './routes/allocation/instance-skus.js';
import { registerInstanceRoutes } from './routes/compute/instances.js';
import { registerNodeRoutes } from './routes/nodes-v1/nodes.js';
import { registerOrderbookRoutes } from './routes/market/orderbook.js';
import { registerOrderRoutes } from './routes/market/orders.js';
import { registerPoolTransferRoutes } from './routes/allocation/pool-transfers.js';
import { registerPoolRoutes } from './routes/allocation/pools.js';
import { registerVmRoutes } from './routes/nodes-v1/vms.js';
import { registerV0MarketRoutes } from './routes/legacy-v0/market.js';
import { registerV0ProcurementRoutes } from './routes/legacy-v0/procurements.js';
import { registerProcurementRoutes } from './routes/market/procurements.js';
import { registerWorkspaceRoutes } from './routes/tenancy/workspaces.js';
import { createValidatorCompiler } from './validation.js';

export interface ServerOptions {
  readonly context: AppContext;
  /** SHA-256 of the operator token (see app/tenancy/auth.ts). */
  readonly operatorTokenHash: string;
  readonly logLevel?: string;
  readonly version?: string;
}

export async function buildServer(options: ServerOptions): Promise<ApiServer> {
  const { context } = options;
  let requestCount = 0;
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    // One line per request costs as much as serving it; access lines come at debug level only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: requestBodyBytesMax,
    genReqId: () => `req_${(++requestCount).toString(36)}_${Date.now().toString(36)}`,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (['debug', 'trace'].includes(app.log.level)) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    });
  }
  app.setValidatorCompiler(createValidatorCompiler());
  app.setErrorHandler((error: FastifyError, request, reply) => handleError(error, request, reply));

  // JSON bodies, parsed safely (no prototype pollution). An empty body reads as no body, so that
  // a DELETE or a body-less POST sent with a JSON content type is not an error in itself.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      (error as FastifyError).statusCode = 400;
      done(error as FastifyError, undefined);
    }
  });

  const methodsByPath = FindMyWay<HTTPVersion.V1>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      try {
        methodsByPath.on(method as 'GET', route.url, () => undefined);
      } catch {
        // Already registered (Fastify registers some routes twice, with and without a slash).
      }
    }
  });

  await app.register(fastifySwagger, openApiDocumentOptions(options.version ?? '0.1.0'));

  registerAuth(app, context, options.operatorTokenHash);
  registerAccountRoutes(app, context);
  registerWorkspaceRoutes(app, context);
  registerPoolRoutes(app, context);
  registerPoolTransferRoutes(app, context);
  registerInstanceSkuRoutes(app, context);
  registerImageRoutes(app, context);
  registerInstanceRoutes(app, context);
  registerDeploymentRoutes(app, context);
  registerOrderRoutes(app, context);
  registerOrderbookRoutes(app, context);
  registerProcurementRoutes(app, context);
  registerBillingRoutes(app, context);
  registerNodeRoutes(app, context);
  registerVmRoutes(app, context);
  registerV0MarketRoutes(app, context);
  registerV0ProcurementRoutes(app, context);
  registerAdminAccountRoutes(app, context);
  registerOperatorRoutes(app, context);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { url: '/openapi.json' } as object });
  await registerConsole(app);

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((method) => methodsByPath.find(method as 'GET', path) !== null);
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(errorBody('invalid_request_error', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`));
    }
    return reply.code(404).send(errorBody('not_found', `No route ${request.method} ${path}`));
  });

  return app;
}
