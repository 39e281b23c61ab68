// The demo seed: what `allot serve` puts into a new database so that a new user can buy compute
// in the first minute. A catalogue modelled on SF Compute's (H100 and H200 nodes of 8 GPUs, in
// several zones), a provider whose originating pools hold four weeks of supply and offer the
// first two on the order book in daily asks, and a demo account with $10,000 of credit whose
// token is printed (or is the one given, `--demo-token`). As time passes (either clock),
// rollDemoSupply keeps the provider's supply and asks reaching four and two weeks ahead.

import { demoTokenLengthMin } from '../../domain/kernel/limits.js';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import type { RegisterInstanceSkuInput } from '../allocation/instance-skus.js';
import { registerInstanceSku } from '../allocation/instance-skus.js';
import { changeIssuedAllocation } from '../allocation/issuance.js';
import { createAccount } from '../tenancy/accounts.js';
import { hashToken } from '../tenancy/tokens.js';
import { type AppContext, newId } from '../kernel/context.js';
import { grantCredit } from '../market/money.js';
import { createOrder } from '../market/orders.js';
import { createPoolForOperator } from '../allocation/pools.js';
import { formatDollars } from '../../domain/kernel/money.js';
import { daySeconds, floorToMinute } from '../../domain/kernel/schedule.js';

export const demoAccountId = 'demo';
export const providerAccountId = 'provider';

/** How long the provider's seeded supply lasts, from the first start. */
const supplyDurationSeconds = 28 * daySeconds;
/** How far ahead the provider's seeded asks reach. */
const askDays = 14;
export const demoCreditDollars = 10_000;

const tebibyte = 1024 ** 4;

const h100 = { accelerator: 'h100', form_factor: 'sxm', num_accelerators: 8, num_vcpus: 112, memory: 2 * tebibyte, local_storage: 16 * tebibyte } as const;
const h200 = { accelerator: 'h200', form_factor: 'sxm', num_accelerators: 8, num_vcpus: 128, memory: 2 * tebibyte, local_storage: 28 * tebibyte } as const;

/**
 * The demo catalogue, how many nodes of each the provider supplies, and its asking price in
 * dollars per node-hour: about $2 per H100 GPU-hour and $3 per H200 GPU-hour, cheaper where
 * the interconnect is RoCE or there is no public IPv4. Prices are multiples of $0.06, which the
 * $0.000060 price tick leaves as they are.
 */
export const demoCatalogue: readonly { readonly sku: RegisterInstanceSkuInput; readonly nodes: number; readonly microsPerNodeHour: number }[] = [
  { sku: { alias: 'h100-richmond', region: 'us-west', availability_zone: 'richmond', rdma_type: 'infiniband', supports_public_ipv4: true, ...h100 }, nodes: 64, microsPerNodeHour: 16_200_000 },
  { sku: { alias: 'h100-hayesvalley', region: 'us-west', availability_zone: 'hayesvalley', rdma_type: 'infiniband', supports_public_ipv4: false, ...h100 }, nodes: 32, microsPerNodeHour: 15_600_000 },
  { sku: { alias: 'h100-fishermanswharf', region: 'us-west', availability_zone: 'fishermanswharf', rdma_type: 'roce', supports_public_ipv4: true, ...h100 }, nodes: 16, microsPerNodeHour: 14_400_000 },
  { sku: { alias: 'h200-yerbabuena', region: 'us-west', availability_zone: 'yerbabuena', rdma_type: 'infiniband', supports_public_ipv4: true, ...h200 }, nodes: 24, microsPerNodeHour: 24_000_000 },
];

/**
 * The ask for day `index` (0: today): compute soon costs more, weekends (UTC) less. A multiple
 * of $0.06 whenever the base price is.
 */
export function demoAskMicros(baseMicros: number, index: number, dayStart: number): number {
  const premium = index === 0 ? 1_200_000 : index === 1 ? 600_000 : 0;
  const weekday = new Date(dayStart * 1000).getUTCDay();
  const weekend = weekday === 0 || weekday === 6 ? -1_200_000 : 0;
  return baseMicros + premium + weekend;
}

/** The provider's daily asks from `start` to `until`: the rest of its day, then whole UTC days. */
function demoAskDays(start: number, until: number): { readonly startAt: number; readonly endAt: number }[] {
  const days: { startAt: number; endAt: number }[] = [];
  for (let dayStart = start; dayStart < until; ) {
    const dayEnd = Math.floor(dayStart / daySeconds) * daySeconds + daySeconds;
    days.push({ startAt: dayStart, endAt: dayEnd });
    dayStart = dayEnd;
  }
  return days;
}

export interface DemoSeed {
  readonly accountId: string;
  readonly token: string;
}

/** Settings that say how far the provider's supply and asks reach (Unix seconds). */
const supplyUntilSetting = 'demo_supply_until';
const asksUntilSetting = 'demo_asks_until';

/** Seeds a database that has no accounts yet; returns null when it already has some. */
export async function seedDemo(context: AppContext, options: { readonly demoToken?: string | undefined } = {}): Promise<DemoSeed | null | Failure> {
  const isNew = (await context.store.read((tx) => tx.accounts.count())) === 0;
  if (!isNew) return null;

  const provider = await createAccount(context, { name: 'Demo Provider', id: providerAccountId });
  if (isFailure(provider)) return provider;
  // The seed's writes take seconds (more on PostgreSQL). Under the real clock they may cross a
  // minute boundary, after which a supply or an ask starting at the minute the seed began would
  // start in the past, which cannot move: so supply starts at the next minute. The manual clock
  // stands still, and supply starts at once.
  const start = floorToMinute(context.clock.now()) + (context.clock.mode === 'real' ? 60 : 0);
  for (const { sku, nodes, microsPerNodeHour } of demoCatalogue) {
    const registered = await registerInstanceSku(context, sku);
    if (isFailure(registered)) return registered;
    const pool = await createPoolForOperator(context, { account: providerAccountId, name: `supply-${sku.alias}`, kind: 'originating' });
    if (isFailure(pool)) return pool;
    const issued = await changeIssuedAllocation(context, 'issuance', {
      pool: pool.pool.id,
      instance_sku: registered.id,
      allocation_schedule: [{ start_at: start, end_at: start + supplyDurationSeconds, node_count: nodes }],
    });
    if (isFailure(issued)) return fail(issued.failure, `seeding supply of ${sku.alias}: ${issued.message}`);
    const asked = await placeAsks(context, pool.pool.id, registered.id, nodes, microsPerNodeHour, demoAskDays(start, start + askDays * daySeconds), start);
    if (isFailure(asked)) return fail(asked.failure, `seeding asks of ${sku.alias}: ${asked.message}`);
  }
  await context.store.transaction(async (tx) => {
    await tx.settings.set(supplyUntilSetting, String(start + supplyDurationSeconds));
    await tx.settings.set(asksUntilSetting, String(demoAskDays(start, start + askDays * daySeconds).at(-1)!.endAt));
  });

  const demo = await createAccount(context, { name: 'Demo', id: demoAccountId });
  if (isFailure(demo)) return demo;
  const credit = await grantCredit(context, demoAccountId, demoCreditDollars, 'Demo credit');
  if (isFailure(credit)) return credit;
  if (options.demoToken !== undefined) {
    const ensured = await ensureDemoToken(context, options.demoToken);
    if (isFailure(ensured)) return ensured;
    return { accountId: demo.account.id, token: options.demoToken };
  }
  return { accountId: demo.account.id, token: demo.token };
}

/**
 * Makes `token` a token of the demo account, unless it already is one: a fixed token for CI and
 * scripts (`--demo-token`, ALLOT_DEMO_TOKEN), as stripe-mock's and LocalStack's test keys are.
 * Returns false when there is no demo account (seeded with --seed none or fixtures).
 */
export async function ensureDemoToken(context: AppContext, token: string): Promise<boolean | Failure> {
  if (token.length < demoTokenLengthMin) return fail('invalid_request', `a demo token must be at least ${demoTokenLengthMin} characters`);
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    if ((await tx.accounts.find(demoAccountId)) === undefined) return false;
    const existing = await tx.tokens.findByHash(hashToken(token));
    if (existing !== undefined) {
      if (existing.accountId !== demoAccountId || existing.revokedAt !== null) return fail('invalid_request', 'the demo token given is another account\'s token, or revoked');
      return true;
    }
    await tx.tokens.insert({ id: newId(context, 'token'), accountId: demoAccountId, userId: null, name: 'demo', description: 'The fixed demo token (--demo-token)', originClient: null, expiresAt: null, tokenHash: hashToken(token), suffix: token.slice(-4), createdAt: now });
    return true;
  });
}

/** The provider's asks of one SKU for `days`, priced by day. */
async function placeAsks(
  context: AppContext,
  poolId: string,
  skuId: string,
  nodes: number,
  microsPerNodeHour: number,
  days: readonly { readonly startAt: number; readonly endAt: number }[],
  firstDay: number,
): Promise<null | Failure> {
  for (const { startAt, endAt } of days) {
    const index = Math.max(0, Math.floor(startAt / daySeconds) - Math.floor(firstDay / daySeconds));
    const ask = await createOrder(
      context,
      providerAccountId,
      null,
      {
        pool: poolId,
        side: 'sell',
        instance_sku: skuId,
        allocation_schedule_delta: [{ start_at: startAt, end_at: endAt, node_count: nodes }],
        limit_price_dollars_per_node_hour: formatDollars(demoAskMicros(microsPerNodeHour, index, startAt)),
        allow_standing: true,
        allow_partial: true,
      },
      undefined,
    );
    if (isFailure(ask)) return ask;
  }
  return null;
}

/**
 * Rolls the demo market forward: once its asks reach less than two weeks past now, the provider
 * gets supply up to four weeks ahead and asks up to two, in whole UTC days, as at the seed. Run
 * at start, after each advance of the manual clock, and every few seconds under the real one.
 * The range is claimed under the setting's row lock first, so that processes sharing a database
 * do not both place it. Does nothing on a database without the demo provider.
 */
export async function rollDemoSupply(context: AppContext): Promise<{ readonly rolledTo: number } | null | Failure> {
  const now = context.clock.now();
  const start = floorToMinute(now) + (context.clock.mode === 'real' ? 60 : 0);
  const wanted = Math.ceil((start + askDays * daySeconds) / daySeconds) * daySeconds;
  const claim = await context.store.transaction(async (tx) => {
    const asksUntil = await tx.settings.getForUpdate(asksUntilSetting);
    const supplyUntil = await tx.settings.get(supplyUntilSetting);
    if (asksUntil === undefined || supplyUntil === undefined || Number(asksUntil) >= start + askDays * daySeconds) return null;
    await tx.settings.set(asksUntilSetting, String(wanted));
    const supplyTo = Math.max(Number(supplyUntil), wanted + (supplyDurationSeconds - askDays * daySeconds));
    await tx.settings.set(supplyUntilSetting, String(supplyTo));
    return { asksFrom: Math.max(Number(asksUntil), start), supplyFrom: Math.max(Number(supplyUntil), start), supplyTo };
  });
  if (claim === null) return null;
  for (const { sku, nodes, microsPerNodeHour } of demoCatalogue) {
    const found = await context.store.read(async (tx) => {
      const skuRecord = (await tx.instanceSkus.listAll()).find((entry) => entry.alias === sku.alias);
      const workspaceId = (await tx.accounts.find(providerAccountId))?.defaultWorkspaceId;
      const pool = workspaceId === undefined ? undefined : await tx.pools.findByName(workspaceId, `supply-${sku.alias}`);
      return skuRecord === undefined || pool === undefined ? null : { skuId: skuRecord.id, poolId: pool.id };
    });
    if (found === null) continue;
    if (claim.supplyTo > claim.supplyFrom) {
      const issued = await changeIssuedAllocation(context, 'issuance', { pool: found.poolId, instance_sku: found.skuId, allocation_schedule: [{ start_at: claim.supplyFrom, end_at: claim.supplyTo, node_count: nodes }] });
      if (isFailure(issued)) return fail(issued.failure, `rolling supply of ${sku.alias}: ${issued.message}`);
    }
    if (wanted > claim.asksFrom) {
      const asked = await placeAsks(context, found.poolId, found.skuId, nodes, microsPerNodeHour, demoAskDays(claim.asksFrom, wanted), start);
      if (isFailure(asked)) return fail(asked.failure, `rolling asks of ${sku.alias}: ${asked.message}`);
    }
  }
  return { rolledTo: wanted };
}
