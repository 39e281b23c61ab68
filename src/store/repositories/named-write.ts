// Writes that a name's unique index may refuse, for every repository with named resources.

import type { DialectAdapter } from '../dialect-adapter.js';
import type { NamedWrite } from '../kernel.js';

/** Runs a write that a name's unique index may refuse, reporting the refusal as a value. */
export async function guardName(adapter: DialectAdapter, write: () => Promise<unknown>): Promise<NamedWrite> {
  try {
    await write();
    return 'written';
  } catch (error) {
    if (adapter.isUniqueViolation(error)) return 'name_taken';
    throw error;
  }
}
