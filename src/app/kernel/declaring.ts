// A use case declared with its operation (domain/<context>/operations.ts): every answer it gives
// is checked to be its result or one of the failures the operation declares.

import { declared, type Operation } from '../../domain/kernel/operations.js';

/**
 * A use case that asserts, on every answer, that a failure it returns is one `op` declares:
 * `export const getX = declaring(getXOperation, async function getX(...) { ... })`.
 */
export function declaring<A extends unknown[], R>(op: Operation, run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => declared(op, await run(...args)) as R;
}
