// Authentication on every route: each route says who may call it (`config.audience`), and this
// hook resolves the bearer token to a principal before the body is even read.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Audience, authenticate, type Principal } from '../app/auth.js';
import type { AppContext } from '../app/context.js';
import { isFailure } from '../domain/failures.js';
import { sendFailure } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; absent means anyone. */
    audience?: Audience;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function registerAuth(app: FastifyInstance, context: AppContext, operatorTokenHash: string): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    const audience = request.routeOptions.config.audience;
    if (audience === undefined) return;
    const principal = await authenticate(context, operatorTokenHash, request.headers.authorization, audience);
    if (isFailure(principal)) return sendFailure(reply, principal);
    request.principal = principal;
  });
}

/** The calling account of a route whose audience is `account`. */
export function accountOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal === null || principal.kind !== 'account') throw new Error('accountOf called on a route without account authentication');
  return principal.accountId;
}
