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
import { pathParameterLengthMax, requestBodyBytesMax } from '../domain/kernel/limits.js';
import type { ApiServer } from './api-server.js';
import { registerAuth } from './auth.js';
import { registerConsole } from './console.js';
import { answerFrameworkError, answerWhatNodeWould, createClientErrorHandler, createRequestIds, loggerOptions, registerEdge, requestLoggers, routeHeadAsGet } from './edge.js';
import { errorBody, handleError, routeStatusChoices, type StatusChoices, statusChoicesOfRoute } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The status choices of the operation registered at `METHOD url` (Fastify's `:param` form). */
    statusChoicesOf(method: string, url: string): StatusChoices | undefined;
  }
}
import { registerEventLog } from './event-log.js';
import { type MetricsOptions, registerMetrics } from './metrics.js';
import { registerHealthRoutes } from './routes/operator/health.js';
import { openApiDocumentOptions } from './openapi-document.js';
import { registerAccountRoutes } from './routes/tenancy/account.js';
import { registerAdminAccountRoutes } from './routes/tenancy/admin-accounts.js';
import { registerOperatorRoutes, type ResetDefaults } from './routes/operator/operator.js';
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
import { registerV0VmRoutes } from './routes/legacy-v0/vms.js';
import { registerV0OrderRoutes } from './routes/legacy-v0/orders.js';
import { registerV0AccountRoutes } from './routes/legacy-v0/account.js';
import { registerProcurementRoutes } from './routes/market/procurements.js';
import { registerWorkspaceRoutes } from './routes/tenancy/workspaces.js';
import { registerAgentRoutes } from './routes/fleet/agents.js';
import { registerFleetOperatorRoutes } from './routes/fleet/hosts.js';
import { defaultFleetSettings, type FleetSettings } from '../domain/fleet/hosts.js';
import { createValidatorCompiler } from './validation.js';
import { lazySerializerFactory, lazyValidatorCompiler } from './lazy-compile.js';

export interface ServerOptions {
  readonly context: AppContext;
  /** SHA-256 of the operator token (see app/tenancy/auth.ts). */
  readonly operatorTokenHash: string;
  readonly logLevel?: string;
  readonly version?: string;
  readonly metrics?: MetricsOptions;
  /** How agents are told to heartbeat and when a host is down (docs/fleet.md). */
  readonly fleet?: FleetSettings;
  /** What `POST /admin/v1/reset` seeds when its request names nothing (default: nothing). */
  readonly reset?: ResetDefaults;
}

export async function buildServer(options: ServerOptions): Promise<ApiServer> {
  const { context } = options;
  const requestIds = createRequestIds();
  const app = Fastify({
    logger: loggerOptions(options.logLevel ?? 'info'),
    // The edge logs one line per request itself (see edge.ts).
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: requestLoggers,
    bodyLimit: requestBodyBytesMax,
    genReqId: requestIds,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: createClientErrorHandler(requestIds),
    // Node's own 400 to an HTTP/1.1 request without Host has no body: the edge answers it instead.
    http: { requireHostHeader: false },
    // Fastify's 503 to a request that comes on a kept-alive connection while the server closes is
    // its own shape, not SF Compute's envelope; such a request is served instead (the store stays
    // open until every request has ended), its answer closing the connection.
    return503OnClosing: false,
    // HEAD is routed as GET and answered without a body (edge.ts, routeHeadAsGet) instead of by
    // a HEAD twin of each GET route, a third of the routes Fastify would build at every start.
    exposeHeadRoutes: false,
    rewriteUrl: routeHeadAsGet,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: pathParameterLengthMax },
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory() } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerEdge(app);
  // Each operation's status choices by method and path, for tests that expect a failure's answer.
  const statusChoicesByRoute = new Map<string, StatusChoices>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      const choices = statusChoicesOfRoute(route as Parameters<typeof statusChoicesOfRoute>[0]);
      statusChoicesByRoute.set(`${method} ${route.url}`, choices);
      routeStatusChoices.set(`${method} ${route.url}`, choices);
    }
  });
  app.decorate('statusChoicesOf', (method: string, url: string) => statusChoicesByRoute.get(`${method.toUpperCase()} ${url}`));

  app.setValidatorCompiler(lazyValidatorCompiler(createValidatorCompiler()));
  app.setErrorHandler((error: FastifyError, request, reply) => handleError(error, request, reply));
  // The Date header tells allot's time, the manual clock's too (docs/decisions.md, "The clock").
  // A callback hook, with the text made once per second of the clock: formatting a date costs
  // more than the rest of the hook, and every answer sends one.
  let dateSeconds = Number.NaN;
  let dateText = '';
  app.addHook('onSend', (_request, reply, payload, done) => {
    const now = context.clock.now();
    if (now !== dateSeconds) {
      dateText = new Date(now * 1000).toUTCString();
      dateSeconds = now;
    }
    reply.header('date', dateText);
    done(null, payload);
  });

  // JSON bodies, parsed safely (no prototype pollution). An empty body reads as no body, so that
  // a DELETE or a body-less POST sent with a JSON content type is not an error in itself. Other
  // media types (text/plain included) are refused with 415.
  app.removeAllContentTypeParsers();
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

  // The router that tells a 405 from a 404, built at the first unknown request: building it at
  // start cost tens of milliseconds for a lookup most runs never make (docs/decisions.md,
  // "Starting fast").
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  let methodsByPathBuilt: ReturnType<typeof FindMyWay<HTTPVersion.V1>> | undefined;
  const methodsByPath = () => {
    if (methodsByPathBuilt !== undefined) return methodsByPathBuilt;
    methodsByPathBuilt = FindMyWay<HTTPVersion.V1>({ maxParamLength: pathParameterLengthMax });
    for (const { method, url } of routes) {
      try {
        methodsByPathBuilt.on(method as 'GET', url, () => undefined);
      } catch {
        // Already registered (Fastify registers some routes twice, with and without a slash).
      }
    }
    return methodsByPathBuilt;
  };

  await app.register(fastifySwagger, openApiDocumentOptions(options.version ?? '0.1.0'));

  registerAuth(app, context, options.operatorTokenHash);
  registerMetrics(app, context, options.metrics);
  registerEventLog(app, context);
  registerHealthRoutes(app, context, options.version ?? '0.1.0');
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
  registerV0VmRoutes(app, context);
  registerV0OrderRoutes(app, context);
  registerV0AccountRoutes(app, context);
  registerAdminAccountRoutes(app, context);
  registerFleetOperatorRoutes(app, context);
  registerAgentRoutes(app, context, options.fleet ?? defaultFleetSettings);
  registerOperatorRoutes(app, context, options.reset);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { url: '/openapi.json' } as object });
  await registerConsole(app);

  const allowedMethods = (path: string) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((method) => methodsByPath().find(method as 'GET', path) !== null);
  answerWhatNodeWould(app.server, requestIds, allowedMethods);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = allowedMethods(path);
    // A route of the method that found nothing (a file the docs' static route does not have) is a
    // 404 like any other; HEAD is routed as GET.
    if (allowed.length > 0 && !allowed.includes(request.method === 'HEAD' ? 'GET' : request.method)) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(errorBody('invalid_request_error', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`));
    }
    return reply.code(404).send(errorBody('not_found', `No route ${request.method} ${path}`));
  });

  return app;
}
