// The operator's own operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). The operator's operations on a context's records (pools,
// allocation, SKUs, credit, instances) are declared with that context's.

import { createPoolForOperatorOperation, issueAllocationOperation, registerInstanceSkuOperation } from '../allocation/operations.js';
import { type FailureStep, type Operation, operation } from '../kernel/operations.js';
import { createOrderOperation, grantCreditOperation } from '../market/operations.js';
import { createAccountOperation, createWorkspaceOperation } from '../tenancy/operations.js';

/** POST /admin/v1/clock/advance */
export const advanceClockOperation = operation('advance_clock', [
  // The request's form first, as the edge's schema checks it.
  ['invalid_request', 'seconds is not a whole number in range'],
  ['clock_not_manual', 'the clock is real'],
]);

/** Each step of `op`, as the reset answers it when a fixtures section's entry runs it. */
function fixtureSteps(section: string, op: Operation): FailureStep[] {
  return op.failures.map(([code, condition]) => [code, `an entry of fixtures.${section}: ${op.name} refuses it (${condition})`]);
}

/**
 * POST /admin/v1/reset. The fixtures' own rules are checked before anything is written; then the
 * fixtures are applied in the file's order — the instance SKUs, each account in turn (itself,
 * its workspaces, tokens, credit, pools), the allocations, the orders — each entry through the
 * use case the API uses (app/operator/fixtures.ts). An entry is refused as its use case refuses
 * it, named `fixtures.<section>.<index>`, and the first entry at fault is the one answered; within
 * one entry the use case's own order holds (walked by that operation's own test).
 */
export const resetOperation = operation('reset', [
  // The request's form first, as the edge checks it.
  ['invalid_request', 'seed and fixtures are both given'],
  ['guests_running', 'a real driver\'s guest may still run'],
  ['invalid_request', 'the fixtures break a rule the schema cannot check: an id, name or token given twice, an account, workspace or pool not in them, a time neither Unix seconds, "now" nor "+<duration>"'],
  ['invalid_request', 'the demo token allot serve was given is too short, or another account\'s'],
  ...fixtureSteps('instance_skus', registerInstanceSkuOperation),
  ...fixtureSteps('accounts', createAccountOperation),
  ...fixtureSteps('accounts.workspaces', createWorkspaceOperation),
  ['invalid_request', 'an entry of fixtures.accounts.tokens is another account\'s token'],
  ...fixtureSteps('accounts.credit_dollars', grantCreditOperation),
  ...fixtureSteps('accounts.pools', createPoolForOperatorOperation),
  ...fixtureSteps('allocations', issueAllocationOperation),
  ...fixtureSteps('orders', createOrderOperation),
]);
