// GET /healthz: allot's health check for load balancers and people, open to all (it reveals
// nothing an account could not learn). 200 while the store answers, 503 when it does not.

import { checkHealth } from '../../../app/operator/observations.js';
import { healthStoreTimeoutMs } from '../../../domain/kernel/limits.js';
import type { AppContext } from '../../../app/kernel/context.js';
import { type ApiServer, tags } from '../../api-server.js';
import { renderHealth } from '../../render/operator.js';
import { HealthResponse } from '../../schemas/operator.js';


export function registerHealthRoutes(app: ApiServer, context: AppContext, version: string): void {
  app.get('/healthz', {
    schema: {
      tags: [tags.health],
      summary: 'allot\'s health',
      description: 'The version serving, the store (kind, whether it answers), the clock (kind, now) and whether this process leads time-driven work. No token needed.',
      security: [],
      response: { 200: HealthResponse, 503: HealthResponse },
    },
  }, async (request, reply) => {
    const health = await checkHealth(context, healthStoreTimeoutMs);
    if (!health.healthy) request.log.warn({ error: health.store.error }, 'health: the store is unreachable');
    return reply.code(health.healthy ? 200 : 503).send(renderHealth(health, version));
  });
}
