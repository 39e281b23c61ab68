// The operator's reset (`POST /admin/v1/reset`, `allot reset`): the server back to a fresh state,
// as LocalStack's reset does for a local cloud. Everything stored goes — accounts, tokens,
// workspaces, pools, SKUs, both ledgers, orders, instances, images and their bytes — and the
// state is seeded again as at a first start: the demo market, fixtures, or nothing. Kept: the
// schema, the operator token, the manual clock's time (a clock never goes back) and the
// URL-signing key. See docs/decisions.md, "Reset".
//
// It is one transaction: the clearing and every write of the new seed commit together or not at
// all. The seed's use cases each open a transaction of their own; here they run on a Store that
// hands them the reset's transaction instead (`storeWithin`), so a failure anywhere rolls the
// whole reset back and the old state stays as it was.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import type { Store, Tx } from '../../store/store.js';
import { ensurePublicImages } from '../compute/images.js';
import { signingKeySetting } from '../compute/signed-urls.js';
import type { AppContext } from '../kernel/context.js';
import { declaring } from '../kernel/declaring.js';
import { resetOperation } from '../../domain/operator/operations.js';
import { operatorTokenHashSetting } from '../tenancy/auth.js';
import { manualClockSetting } from './clock-setting.js';
import { applyFixtures, type Fixtures } from './fixtures.js';
import { seedDemo } from './seed.js';

/** What a reset (or a first start) puts into the empty database. */
export type StateSeed =
  | { readonly kind: 'demo'; readonly demoToken?: string | undefined }
  | { readonly kind: 'none' }
  | { readonly kind: 'fixtures'; readonly fixtures: Fixtures; readonly demoToken?: string | undefined };

export interface ResetResult {
  readonly seed: StateSeed['kind'];
  /** The demo account's token when the demo market was seeded (the fixed one, or a new one). */
  readonly demoToken: string | null;
  /** Accounts the seed created, in order. */
  readonly accounts: readonly string[];
  readonly at: number;
}

/** Settings a reset keeps: who the operator is, where the manual clock stands, the URL key. */
const keptSettings = [operatorTokenHashSetting, manualClockSetting, signingKeySetting];

/**
 * Clears the state and seeds it anew, in one transaction. Refused (`guests_running`, changing
 * nothing) while a real driver's guest may still run: terminate those instances first, so that
 * no guest is left on a host with no record of it.
 */
export const resetState = declaring(resetOperation, async function resetState(context: AppContext, seed: StateSeed): Promise<ResetResult | Failure> {
  let images: string[] = [];
  const result = await context.store.transaction(async (tx): Promise<ResetResult | Failure> => {
    const live = await tx.dataset.countLiveGuestRuns();
    if (live > 0) return fail('guests_running', `${live} instance${live === 1 ? '' : 's'} may still run a guest; terminate ${live === 1 ? 'it' : 'them'} (and wait for the guests to stop) before resetting`);
    images = await tx.dataset.imageIds();
    await tx.dataset.clear(keptSettings);
    const within: AppContext = { ...context, store: storeWithin(tx, context.store) };
    // The seed first: the demo seed runs only on a database with no accounts at all.
    const seeded = await applySeed(within, seed);
    if (isFailure(seeded)) return seeded;
    await ensurePublicImages(within);
    return { seed: seed.kind, demoToken: seeded.demoToken, accounts: seeded.accounts, at: context.clock.now() };
  });
  if (isFailure(result)) return result;
  // The bytes of the images that went, once their rows are gone for good. A failure leaves only
  // files nothing names.
  for (const image of images) await context.blobs.deleteImage(image).catch(() => undefined);
  return result;
});

/**
 * Seeds a new database — one with no accounts yet — in one transaction, as a first start does:
 * a seed that fails leaves the database as new as it was. Returns null on a database that has
 * accounts already (it is never seeded again; a reset starts over).
 */
export async function seedNewDatabase(context: AppContext, seed: StateSeed): Promise<{ readonly demoToken: string | null; readonly accounts: readonly string[] } | null | Failure> {
  return context.store.transaction(async (tx) => {
    if ((await tx.accounts.count()) > 0) return null;
    return applySeed({ ...context, store: storeWithin(tx, context.store) }, seed);
  });
}

/** Seeds an empty database (no accounts but the public images'): at a first start and at a reset. */
export async function applySeed(context: AppContext, seed: StateSeed): Promise<{ readonly demoToken: string | null; readonly accounts: readonly string[] } | Failure> {
  if (seed.kind === 'none') return { demoToken: null, accounts: [] };
  if (seed.kind === 'demo') {
    const demo = await seedDemo(context, { demoToken: seed.demoToken });
    if (isFailure(demo)) return demo;
    return { demoToken: demo?.token ?? null, accounts: demo === null ? [] : ['provider', demo.accountId] };
  }
  return applyFixtures(context, seed.fixtures, { demoToken: seed.demoToken });
}

/**
 * A Store whose every transaction and read is `tx`: the use cases a reset runs all write into
 * the reset's one transaction. A Failure one of them returns is handed back up, and the reset
 * returns it, which rolls everything back.
 */
function storeWithin(tx: Tx, outer: Store): Store {
  // Each use case first lets the event loop run. On SQLite every statement is synchronous, and
  // the demo seed's fifth of a second would otherwise hold every request until it commits, even
  // those that need no database (the clock, the API reference); the requests that read or write
  // wait for the transaction, as they would for any other.
  const within = async <T>(work: (tx: Tx) => Promise<T>): Promise<T> => {
    await yieldToEventLoop();
    return work(tx);
  };
  return {
    dialect: outer.dialect,
    transaction: within,
    read: within,
    readCached: (_key, work) => within(work),
    untilHeardEverywhere: () => outer.untilHeardEverywhere(),
    isLeader: () => outer.isLeader(),
    holdsLeadership: () => outer.holdsLeadership(),
    // Within the reset's transaction, which holds its locks: waiting here on a lock whose holder
    // may wait on them would deadlock where the database cannot see it.
    exclusively: (_name, work) => work({ check: () => {} }),
    close: () => Promise.reject(new Error('the reset\'s store is not closed: it is the reset\'s transaction')),
  };
}
