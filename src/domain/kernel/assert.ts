// Assertions catch bugs: one condition each, checked before a write and after a read. A failed
// one throws, which rolls the transaction back and answers 500 — expected failures are values
// (failures.ts), never assertions. The message is a function so that a passing check builds no
// string.

export class AssertionFailed extends Error {
  override readonly name = 'AssertionFailed';
}

export function assert(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new AssertionFailed(message());
}
