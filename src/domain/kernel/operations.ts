// Each operation declares the failures it may answer, in the order it checks them — most
// important first, as TigerBeetle's result codes are: when a request is wrong in several ways, it
// is refused for the first listed. A code may appear more than once (a request's form is checked
// before its idempotency key, the times it names only after, since a replay must not depend on
// the time), so each step names its condition too. The use case asserts that what it returns is
// declared; one table test per operation walks the steps in order (test/api/failure-order.test.ts).

import { assert } from './assert.js';
import { type Failure, type FailureCode, isFailure } from './failures.js';

/** One step of an operation's checks: the failure, and when it is answered. */
export type FailureStep = readonly [code: FailureCode, condition: string];

export interface Operation {
  readonly name: string;
  readonly failures: readonly FailureStep[];
}

export function operation(name: string, failures: readonly FailureStep[]): Operation {
  return { name, failures };
}

/** The failure codes of an operation, each once, in the order first checked. */
export function failureCodesOf(op: Operation): FailureCode[] {
  return [...new Set(op.failures.map(([code]) => code))];
}

/** Returns `result`, asserting that a failure is one the operation declares. */
export function declared<T>(op: Operation, result: T | Failure): T | Failure {
  if (isFailure(result)) assert(op.failures.some(([code]) => code === result.failure), () => `${op.name} answered ${result.failure}, which it does not declare`);
  return result;
}
