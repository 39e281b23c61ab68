// The operator's control of supply and time: pools of any kind for any account, issuing and
// retiring allocation, and the manual clock.

import { changeIssuedAllocation } from '../../../app/allocation/issuance.js';
import { auditState } from '../../../app/operator/audit.js';
import { resetState, type StateSeed } from '../../../app/operator/reset.js';
import { advanceClock, readClock } from '../../../engine/clock.js';
import type { AppContext } from '../../../app/kernel/context.js';
import { createPoolForOperator } from '../../../app/allocation/pools.js';
import { type ApiServer, tags } from '../../api-server.js';
import { renderAllocationEntry, renderPool } from '../../render/allocation.js';
import { renderAudit, renderClock, renderReset } from '../../render/operator.js';
import Type from 'typebox';
import { invalidField } from '../../../domain/kernel/failures.js';
import { respond } from '../../respond.js';
import { errorResponses } from '../../schemas/errors.js';
import { AdvanceClockRequest, AllocationChangeRequest, AllocationEntryResponse, AuditResponse, ClockResponse, ResetRequest, ResetResponse } from '../../schemas/operator.js';
import { CreateOperatorPoolRequest, PoolResponse } from '../../schemas/pools.js';

/** What a reset seeds when its request names nothing: what `allot serve` seeded (`--seed`), with
 * its fixed demo token (`--demo-token`) for the demo market. */
export interface ResetDefaults {
  readonly seed: StateSeed;
  readonly demoToken?: string | undefined;
}

export function registerOperatorRoutes(app: ApiServer, context: AppContext, reset: ResetDefaults = { seed: { kind: 'none' } }): void {
  // allot's own operations: a malformed request is a 400, a state that refuses it a 422.
  const config = { audience: 'operator' as const, failureStatus: { invalid_request: 400 } };
  const route = { tags: [tags.admin], security: [{ admin_token: [] }] };

  app.post('/admin/v1/pools', {
    config,
    schema: { ...route, summary: 'Create a pool for an account', description: 'Any kind: originating pools hold a provider\'s supply; read_only pools cannot be changed through the public API.', body: CreateOperatorPoolRequest, response: { 201: PoolResponse, ...errorResponses(400, 401, 404, 409) } },
  }, async (request, reply) => respond(reply, await createPoolForOperator(context, request.body), 201, renderPool));

  app.post('/admin/v1/allocations', {
    config,
    schema: { ...route, summary: 'Issue allocation into a pool', description: 'Allocation enters the system only this way: hardware registered, or a contract granted.', body: AllocationChangeRequest, response: { 201: AllocationEntryResponse, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => respond(reply, await changeIssuedAllocation(context, 'issuance', request.body), 201, renderAllocationEntry));

  app.post('/admin/v1/retirements', {
    config,
    schema: { ...route, summary: 'Retire allocation from a pool', description: 'Refused (422) when the pool would go below zero at any minute.', body: AllocationChangeRequest, response: { 201: AllocationEntryResponse, ...errorResponses(400, 401, 404, 422) } },
  }, async (request, reply) => respond(reply, await changeIssuedAllocation(context, 'retirement', request.body), 201, renderAllocationEntry));

  app.get('/admin/v1/audit', {
    config,
    schema: { ...route, summary: 'Audit the ledgers', description: 'Checks every invariant over the whole state. Allocation: balances equal their entries, pools hold what was issued less retired, no pool is negative from now on, no pool runs more instances than it holds. Money: balances equal their entries and sum to zero (credit granted = balances + fees), none is negative, held funds equal what open buys hold.', response: { 200: AuditResponse, ...errorResponses(401) } },
  }, async (_request, reply) => reply.send(renderAudit(await auditState(context))));

  // Readable by anyone: a user's `now` under the manual clock is the server's (docs/decisions.md).
  app.get('/admin/v1/clock', {
    schema: { tags: [tags.admin], summary: 'Read the clock', description: 'Needs no token: users read it to know the server\'s now, under the manual clock too.', response: { 200: ClockResponse } },
  }, async (_request, reply) => reply.send(renderClock(readClock(context))));

  app.post('/admin/v1/clock/advance', {
    config,
    schema: { ...route, summary: 'Advance the manual clock', description: '409 under the real clock.', body: AdvanceClockRequest, response: { 200: ClockResponse, ...errorResponses(400, 401, 409) } },
  }, async (request, reply) => respond(reply, await advanceClock(context, request.body.seconds), 200, renderClock));

  app.post('/admin/v1/reset', {
    config,
    // No body at all is a reset to what allot serve seeded: an empty request.
    preValidation: async (request) => {
      if (request.body === undefined || request.body === null) request.body = {};
    },
    schema: {
      ...route,
      summary: 'Reset the state',
      description: 'Brings the server back to a fresh state in one transaction: every account, token, pool, SKU, order, instance and image goes, and the state is seeded again — the demo market (`seed: demo`), nothing (`seed: none`), the fixtures given (`fixtures`), or, with no body, what allot serve was started with. The operator token, the clock and the URL-signing key stay. 409 `guests_running` while a real driver\'s guests may still run: terminate those instances first.',
      body: Type.Optional(ResetRequest),
      response: { 200: ResetResponse, ...errorResponses(400, 401, 402, 404, 409, 422) },
    },
  }, async (request, reply) => {
    const body = request.body ?? {};
    if (body.seed !== undefined && body.fixtures !== undefined) return respond(reply, invalidField('seed', 'conflicting_parameters', 'give seed or fixtures, not both'), 200, renderReset);
    const seed: StateSeed =
      body.fixtures !== undefined ? { kind: 'fixtures', fixtures: body.fixtures, demoToken: reset.demoToken }
      : body.seed === 'demo' ? { kind: 'demo', demoToken: reset.demoToken }
      : body.seed === 'none' ? { kind: 'none' }
      : reset.seed;
    return respond(reply, await resetState(context, seed), 200, renderReset);
  });
}
