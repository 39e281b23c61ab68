// Fixtures: a file that describes a scenario (accounts with their tokens, credit, workspaces and
// pools; instance SKUs; allocation issued into pools; resting orders), applied to an empty
// database by `allot serve --seed <file>` and by the reset (`POST /admin/v1/reset`,
// `allot reset --seed <file>`). The format is docs/cli.md's "Fixtures"; its shape is checked by
// the schema (http/schemas/operator.ts), its references and rules here, each failure naming the
// entry at fault ("orders[1].pool: …"). Every write goes through the use case the API uses, so
// a fixture obeys the API's rules; the reset runs them all in its one transaction.

import { fail, type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { resolveFixtureTime } from '../../domain/operator/fixtures.js';
import { floorToMinute } from '../../domain/kernel/schedule.js';
import type { PoolKind } from '../../domain/allocation/pools.js';
import { registerInstanceSku, type RegisterInstanceSkuInput } from '../allocation/instance-skus.js';
import { changeIssuedAllocation } from '../allocation/issuance.js';
import { createPoolForOperator } from '../allocation/pools.js';
import { type AppContext, newId } from '../kernel/context.js';
import { grantCredit } from '../market/money.js';
import { createOrder } from '../market/orders.js';
import { createAccount } from '../tenancy/accounts.js';
import { hashToken } from '../tenancy/tokens.js';
import { createWorkspace } from '../tenancy/workspaces.js';
import { seedDemo } from './seed.js';

export type FixtureTime = number | string;

export interface FixturePool {
  readonly name: string;
  /** A workspace of the account by name; `default` when absent. */
  readonly workspace?: string | undefined;
  /** `market` (the default: a user's pool), `originating` (a provider's supply), `read_only`. */
  readonly kind?: PoolKind | undefined;
}

export interface FixtureAccount {
  readonly id: string;
  readonly name?: string | undefined;
  /** Credit granted at once, in dollars ("5000", "12.50"). */
  readonly credit_dollars?: number | string | undefined;
  /** API tokens the account answers to, fixed: 16 to 128 letters, digits, _ or -. */
  readonly tokens?: readonly string[] | undefined;
  /** Workspaces besides `default`, by name. */
  readonly workspaces?: readonly string[] | undefined;
  readonly pools?: readonly FixturePool[] | undefined;
}

/** Names a pool of the fixtures: its account, its name, its workspace (`default` when absent). */
export interface FixturePoolReference {
  readonly account: string;
  readonly pool: string;
  readonly workspace?: string | undefined;
}

export interface FixtureRange {
  readonly start_at: FixtureTime;
  readonly end_at: FixtureTime;
  readonly node_count: number;
}

export interface FixtureAllocation extends FixturePoolReference, FixtureRange {
  /** The SKU by alias (or id). */
  readonly instance_sku: string;
}

export interface FixtureOrder extends FixturePoolReference, FixtureRange {
  readonly side: 'buy' | 'sell';
  readonly instance_sku: string;
  readonly limit_price_dollars_per_node_hour: string;
  /** Whether what does not fill at once rests on the book (default true: a resting order). */
  readonly allow_standing?: boolean | undefined;
  /** Whether part of it may fill (default true). */
  readonly allow_partial?: boolean | undefined;
}

export interface Fixtures {
  /** Seed the demo market first (its provider, catalogue and asks, and the demo account). */
  readonly demo?: boolean | undefined;
  readonly instance_skus?: readonly RegisterInstanceSkuInput[] | undefined;
  readonly accounts?: readonly FixtureAccount[] | undefined;
  readonly allocations?: readonly FixtureAllocation[] | undefined;
  readonly orders?: readonly FixtureOrder[] | undefined;
}

export interface AppliedFixtures {
  readonly demoToken: string | null;
  readonly accounts: readonly string[];
}

/** Prefixes a failure's message with the fixture entry it came from ("fixtures.orders.1"). */
function at(path: string, failure: Failure): Failure {
  const prefixed = { ...failure, message: `fixtures.${path}: ${failure.message}` };
  return failure.details === undefined ? prefixed : { ...prefixed, details: failure.details.map((detail) => ({ ...detail, field: `fixtures.${path}${detail.field === null ? '' : `.${detail.field}`}` })) };
}

/** A field of the fixtures that breaks a rule, named as the schema's errors name fields. */
function bad(path: string, message: string): Failure {
  return invalidField(`fixtures.${path}`, 'invalid_value', `fixtures.${path}: ${message}`);
}

function poolKey(account: string, workspace: string | undefined, pool: string): string {
  return JSON.stringify([account, workspace ?? 'default', pool]);
}

/**
 * Checks what the schema cannot — unique ids, names and tokens, references to accounts, pools
 * and times — before anything is written, so that a bad file is named at once.
 */
export function checkFixtures(fixtures: Fixtures, base: number): Failure | null {
  const accounts = new Set<string>();
  const pools = new Set<string>();
  const tokens = new Set<string>();
  for (const [index, account] of (fixtures.accounts ?? []).entries()) {
    const path = `accounts.${index}`;
    if (accounts.has(account.id)) return bad(`${path}.id`, `account "${account.id}" is given twice`);
    if (fixtures.demo === true && ['demo', 'provider'].includes(account.id)) return bad(`${path}.id`, `"${account.id}" is the demo market's (fixtures with "demo": true have it already)`);
    accounts.add(account.id);
    const workspaces = new Set(['default']);
    for (const [w, workspace] of (account.workspaces ?? []).entries()) {
      if (workspaces.has(workspace)) return bad(`${path}.workspaces.${w}`, `workspace "${workspace}" is given twice (every account has "default")`);
      workspaces.add(workspace);
    }
    for (const [t, token] of (account.tokens ?? []).entries()) {
      if (tokens.has(token)) return bad(`${path}.tokens.${t}`, `a token is given twice`);
      tokens.add(token);
    }
    for (const [p, pool] of (account.pools ?? []).entries()) {
      if (!workspaces.has(pool.workspace ?? 'default')) return bad(`${path}.pools.${p}.workspace`, `account "${account.id}" has no workspace "${pool.workspace}" in the fixtures`);
      const key = poolKey(account.id, pool.workspace, pool.name);
      if (pools.has(key)) return bad(`${path}.pools.${p}.name`, `pool "${pool.name}" is given twice in workspace "${pool.workspace ?? 'default'}"`);
      pools.add(key);
    }
  }
  const entries: [string, readonly (FixturePoolReference & FixtureRange)[] | undefined][] = [['allocations', fixtures.allocations], ['orders', fixtures.orders]];
  for (const [list, items] of entries) {
    for (const [index, item] of (items ?? []).entries()) {
      const path = `${list}.${index}`;
      if (!accounts.has(item.account)) return bad(`${path}.account`, `no account "${item.account}" in the fixtures`);
      if (!pools.has(poolKey(item.account, item.workspace, item.pool))) return bad(`${path}.pool`, `account "${item.account}" has no pool "${item.pool}" in workspace "${item.workspace ?? 'default'}" in the fixtures`);
      for (const field of ['start_at', 'end_at'] as const) {
        const time = resolveFixtureTime(item[field], base);
        if (typeof time === 'string') return bad(`${path}.${field}`, time);
      }
    }
  }
  return null;
}

/**
 * Applies fixtures to an empty database. Relative times count from the current minute (the next
 * one under the real clock, since the writes may cross a minute, as the demo seed does).
 */
export async function applyFixtures(context: AppContext, fixtures: Fixtures, options: { readonly demoToken?: string | undefined } = {}): Promise<AppliedFixtures | Failure> {
  const base = floorToMinute(context.clock.now()) + (context.clock.mode === 'real' ? 60 : 0);
  const checked = checkFixtures(fixtures, base);
  if (checked !== null) return checked;
  const created: string[] = [];
  let demoToken: string | null = null;
  if (fixtures.demo === true) {
    const demo = await seedDemo(context, { demoToken: options.demoToken });
    if (isFailure(demo)) return at('demo', demo);
    if (demo === null) return fail('invalid_request', 'demo: the database is not empty');
    demoToken = demo.token;
    created.push('provider', demo.accountId);
  }
  for (const [index, sku] of (fixtures.instance_skus ?? []).entries()) {
    const registered = await registerInstanceSku(context, sku);
    if (isFailure(registered)) return at(`instance_skus.${index}`, registered);
  }
  const poolIds = new Map<string, string>();
  for (const [index, account] of (fixtures.accounts ?? []).entries()) {
    const path = `accounts.${index}`;
    const made = await createAccount(context, { id: account.id, name: account.name ?? account.id });
    if (isFailure(made)) return at(path, made);
    created.push(made.account.id);
    for (const [w, name] of (account.workspaces ?? []).entries()) {
      const workspace = await createWorkspace(context, account.id, { name });
      if (isFailure(workspace)) return at(`${path}.workspaces.${w}`, workspace);
    }
    for (const [t, token] of (account.tokens ?? []).entries()) {
      const added = await addToken(context, account.id, token, t);
      if (isFailure(added)) return at(`${path}.tokens.${t}`, added);
    }
    if (account.credit_dollars !== undefined) {
      const credit = await grantCredit(context, account.id, account.credit_dollars, 'Fixture credit');
      if (isFailure(credit)) return at(`${path}.credit_dollars`, credit);
    }
    for (const [p, pool] of (account.pools ?? []).entries()) {
      const made = await createPoolForOperator(context, { account: account.id, workspace: pool.workspace ?? 'default', name: pool.name, kind: pool.kind ?? 'market' });
      if (isFailure(made)) return at(`${path}.pools.${p}`, made);
      poolIds.set(poolKey(account.id, pool.workspace, pool.name), made.pool.id);
    }
  }
  // SKUs are named by alias (or id); the operator's issuance takes ids.
  const aliases = new Map((await context.store.read((tx) => tx.instanceSkus.listAll())).map((sku) => [sku.alias, sku.id]));
  const skuId = (reference: string) => aliases.get(reference) ?? reference;
  const range = (item: FixtureRange) => ({ start_at: resolveFixtureTime(item.start_at, base) as number, end_at: resolveFixtureTime(item.end_at, base) as number, node_count: item.node_count });
  for (const [index, allocation] of (fixtures.allocations ?? []).entries()) {
    const issued = await changeIssuedAllocation(context, 'issuance', {
      pool: poolIds.get(poolKey(allocation.account, allocation.workspace, allocation.pool))!,
      instance_sku: skuId(allocation.instance_sku),
      allocation_schedule: [range(allocation)],
    });
    if (isFailure(issued)) return at(`allocations.${index}`, issued);
  }
  for (const [index, order] of (fixtures.orders ?? []).entries()) {
    const placed = await createOrder(
      context,
      order.account,
      null,
      {
        pool: poolIds.get(poolKey(order.account, order.workspace, order.pool))!,
        side: order.side,
        instance_sku: skuId(order.instance_sku),
        allocation_schedule_delta: [range(order)],
        limit_price_dollars_per_node_hour: order.limit_price_dollars_per_node_hour,
        allow_standing: order.allow_standing ?? true,
        allow_partial: order.allow_partial ?? true,
      },
      undefined,
    );
    if (isFailure(placed)) return at(`orders.${index}`, placed);
  }
  return { demoToken, accounts: created };
}

/** Gives the account a token of the fixtures' choosing. */
async function addToken(context: AppContext, accountId: string, token: string, index: number): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    if ((await tx.tokens.findByHash(hashToken(token))) !== undefined) return fail('invalid_request', 'this token is already another account\'s');
    await tx.tokens.insert({ id: newId(context, 'token'), accountId, userId: null, name: `fixture-${index + 1}`, description: 'Given by the fixtures', originClient: null, expiresAt: null, tokenHash: hashToken(token), suffix: token.slice(-4), createdAt: now });
    return null;
  });
}
