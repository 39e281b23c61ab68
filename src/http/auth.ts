// Authentication on every route: each route says who may call it (`config.audience`), and a
// hook of its own resolves the bearer token to a principal before the body is even read. Hooks
// here are callbacks, not async functions: they run on every request.

import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';
import { type AccountPrincipal, type Audience, authenticate, type Principal } from '../app/tenancy/auth.js';
import type { AppContext } from '../app/kernel/context.js';
import { type Failure, isFailure } from '../domain/kernel/failures.js';
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

  // Each route that names an audience gets its own hook, fixed when the route is registered, so
  // that no request pays to look its route's options up.
  const hookFor = (audience: Audience): onRequestHookHandler => function authenticateRequest(request, reply, done) {
    const principal = authenticate(context, operatorTokenHash, request.headers.authorization, audience);
    if (principal instanceof Promise) principal.then((found) => admit(request, reply, done, found), done);
    else admit(request, reply, done, principal);
  };
  app.addHook('onRoute', (route) => {
    const audience = route.config?.audience;
    if (audience === undefined) return;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [hookFor(audience), ...existing];
  });
}

function admit(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction, principal: Principal | Failure): void {
  if (isFailure(principal)) {
    sendFailure(reply, principal);
    return;
  }
  request.principal = principal;
  done();
}

/** The calling account of a route whose audience is `account`. */
export function accountOf(request: FastifyRequest): string {
  return callerOf(request).accountId;
}

/** The calling account, the token it used, and the user that token acts for. */
export function callerOf(request: FastifyRequest): AccountPrincipal {
  const principal = request.principal;
  if (principal === null || principal.kind !== 'account') throw new Error('callerOf called on a route without account authentication');
  return principal;
}
