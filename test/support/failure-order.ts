// The walker of the failure-order tests (test/api/failure-order.test.ts): a request wrong in every
// way an operation checks is refused for the first declared failure; fixing that one reveals the
// next, and so on in the declared order, until the request succeeds. Each step is checked by its
// status and error type (the operation's answer to that failure: the one table, src/http/errors.ts,
// picked from the statuses the operation declares) and by what its message names.

import { expect } from 'vitest';
import type { Operation } from '../../src/domain/kernel/operations.js';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import type { FailureCode } from '../../src/domain/kernel/failures.js';
import { pathParameterLengthMax } from '../../src/domain/kernel/limits.js';
import { failureAnswer, routeStatusChoices, type StatusChoices } from '../../src/http/errors.js';
import type { ApiResponse } from './client.js';

let router: ReturnType<typeof FindMyWay<HTTPVersion.V1>> | null = null;

/** How the operation that received `response`'s request answers a failure. */
function answerTo(response: ApiResponse, code: FailureCode): { status: number; type: string } {
  if (router === null) {
    router = FindMyWay<HTTPVersion.V1>({ maxParamLength: pathParameterLengthMax, ignoreTrailingSlash: true });
    for (const [key, choices] of routeStatusChoices) {
      const [method, url] = key.split(' ') as [string, string];
      if (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && router.find(method as 'GET', url) === null) router.on(method as 'GET', url, () => undefined, { choices });
    }
  }
  const request = response.request!;
  const found = router.find(request.method as 'GET', request.path.split('?')[0]!);
  const choices = (found?.store as { choices?: StatusChoices } | undefined)?.choices;
  return choices === undefined ? failureAnswer(code, null) : failureAnswer(code, choices.declared, choices.overrides);
}

/** Sends the request with the first `fixed` faults fixed; the last call (all fixed) must succeed. */
export type Attempt = (fixed: number) => Promise<ApiResponse>;

/**
 * Walks an operation's declared failures: with `i` faults fixed, the answer is step `i`'s failure.
 * A step whose message is null cannot be reached by a request alone (another request must commit
 * in between: a race; the edge's schema refuses the same fault first; or it takes more bytes than
 * a test sends); it is named, and skipped.
 */
export async function walk(op: Operation, attempt: Attempt, messages: readonly (RegExp | null)[], success: number): Promise<void> {
  expect(messages.length, `${op.name}: one message per declared step`).toBe(op.failures.length);
  for (const [index, [code, condition]] of op.failures.entries()) {
    const message = messages[index]!;
    if (message === null) continue;
    const response = await attempt(index);
    const { status, type } = answerTo(response, code);
    expect({ op: op.name, step: index, condition, status: response.status, type: response.body?.error?.type }, JSON.stringify(response.body)).toEqual({ op: op.name, step: index, condition, status, type });
    expect(response.body.error.message, `${op.name} step ${index} (${code}): ${condition}`).toMatch(message);
  }
  const done = await attempt(op.failures.length);
  expect(done.status, JSON.stringify(done.body)).toBe(success);
}
