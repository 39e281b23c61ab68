// The demo seed: what `allot serve` puts into a new database so that a new user can call the API
// in the first minute. Later capabilities add the catalogue and a living market here.

import type { Failure } from '../domain/failures.js';
import { isFailure } from '../domain/failures.js';
import { createAccount } from './accounts.js';
import type { AppContext } from './context.js';

export const demoAccountId = 'demo';

export interface DemoSeed {
  readonly accountId: string;
  readonly token: string;
}

/** Seeds a database that has no accounts yet; returns null when it already has some. */
export async function seedDemo(context: AppContext): Promise<DemoSeed | null | Failure> {
  const isNew = (await context.store.read((tx) => tx.accounts.count())) === 0;
  if (!isNew) return null;
  const demo = await createAccount(context, { name: 'Demo', id: demoAccountId });
  if (isFailure(demo)) return demo;
  return { accountId: demo.account.id, token: demo.token };
}
