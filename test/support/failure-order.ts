// The walker of the failure-order tests (test/api/failure-order.test.ts): a request wrong in every
// way an operation checks is refused for the first declared failure; fixing that one reveals the
// next, and so on in the declared order, until the request succeeds. Each step is checked by its
// status and error type (from the one table, src/http/errors.ts) and by what its message names.

import { expect } from 'vitest';
import type { Operation } from '../../src/domain/kernel/operations.js';
import { failureStatus } from '../../src/http/errors.js';
import type { ApiResponse } from './client.js';

/** Sends the request with the first `fixed` faults fixed; the last call (all fixed) must succeed. */
export type Attempt = (fixed: number) => Promise<ApiResponse>;

/**
 * Walks an operation's declared failures: with `i` faults fixed, the answer is step `i`'s failure.
 * A step whose message is null cannot be reached by a request alone (another request must commit
 * in between: a race); it is named, and skipped.
 */
export async function walk(op: Operation, attempt: Attempt, messages: readonly (RegExp | null)[], success: number): Promise<void> {
  expect(messages.length, `${op.name}: one message per declared step`).toBe(op.failures.length);
  for (const [index, [code, condition]] of op.failures.entries()) {
    const message = messages[index]!;
    if (message === null) continue;
    const response = await attempt(index);
    const { status, type } = failureStatus[code];
    expect({ op: op.name, step: index, condition, status: response.status, type: response.body?.error?.type }, JSON.stringify(response.body)).toEqual({ op: op.name, step: index, condition, status, type });
    expect(response.body.error.message, `${op.name} step ${index} (${code}): ${condition}`).toMatch(message);
  }
  const done = await attempt(op.failures.length);
  expect(done.status, JSON.stringify(done.body)).toBe(success);
}
