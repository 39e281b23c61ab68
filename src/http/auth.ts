// Authentication on every route: each route says who may call it (`config.audience`), and a
// hook of its own resolves the bearer token to a principal before the body is even read. Hooks
// here are callbacks, not async functions: they run on every request.

import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { type Audience, authenticate, type Principal, TokenCache } from '../app/auth.js';
import type { AppContext } from '../app/context.js';
import { type Failure, isFailure } from '../domain/failures.js';
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
    done();
  });

  // Each route that names an audience gets its own hook, fixed when the route is registered, so
  // that no request pays to look its route's options up.
  const hookFor = (audience: Audience): onRequestHookHandler => (request, reply, done) => {
    const admit = (principal: Principal | Failure) => {
      if (isFailure(principal)) {
        sendFailure(reply, principal);
        return;
      }
      request.principal = principal;
      done();
    };
    const principal = authenticate(context, tokens, operatorTokenHash, request.headers.authorization, audience);
    if (principal instanceof Promise) principal.then(admit, done);
    else admit(principal);
  };
  app.addHook('onRoute', (route) => {
    const audience = route.config?.audience;
    if (audience === undefined) return;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [hookFor(audience), ...existing];
  });
}

/** The calling account of a route whose audience is `account`. */
export function accountOf(request: FastifyRequest): string {
  return callerOf(request).accountId;
}

/** The calling account and the token it used. */
export function callerOf(request: FastifyRequest): { readonly accountId: string; readonly tokenId: string } {
  const principal = request.principal;
  if (principal === null || principal.kind !== 'account') throw new Error('callerOf called on a route without account authentication');
  return principal;
}
