// Authentication on every route: each route says who may call it (`config.audience`), and this
// hook resolves the bearer token to a principal before the body is even read. It also stamps the
// request id on the reply. It is a callback hook, not an async one: it runs on every request.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Audience, authenticate, type Principal, TokenCache } from '../app/auth.js';
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
  const tokens = new TokenCache();
  app.decorateRequest('principal', null);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const audience = request.routeOptions.config.audience;
    if (audience === undefined) return done();
    authenticate(context, tokens, operatorTokenHash, request.headers.authorization, audience).then((principal) => {
      if (isFailure(principal)) {
        sendFailure(reply, principal);
        return;
      }
      request.principal = principal;
      done();
    }, done);
  });
}

/** The calling account of a route whose audience is `account`. */
export function accountOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal === null || principal.kind !== 'account') throw new Error('accountOf called on a route without account authentication');
  return principal.accountId;
}
