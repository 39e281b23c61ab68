// The demo seed: what `allot serve` puts into a new database so that a new user can buy compute
// in the first minute. A catalogue modelled on SF Compute's (H100 and H200 nodes of 8 GPUs, in
// several zones), a provider whose originating pools hold four weeks of supply and offer the
// first two on the order book in daily asks, and a demo account with $10,000 of credit whose
// token is printed.

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import type { RegisterInstanceSkuInput } from '../allocation/instance-skus.js';
import { registerInstanceSku } from '../allocation/instance-skus.js';
import { changeIssuedAllocation } from '../allocation/issuance.js';
import { createAccount } from '../tenancy/accounts.js';
import type { AppContext } from '../kernel/context.js';
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

/** The provider's daily asks: the rest of today, then whole UTC days, for `askDays` days. */
function demoAskDays(start: number): { readonly startAt: number; readonly endAt: number }[] {
  const days: { startAt: number; endAt: number }[] = [];
  for (let dayStart = start; dayStart < start + askDays * daySeconds; ) {
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

/** Seeds a database that has no accounts yet; returns null when it already has some. */
export async function seedDemo(context: AppContext): Promise<DemoSeed | null | Failure> {
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
    for (const [index, { startAt, endAt }] of demoAskDays(start).entries()) {
      const ask = await createOrder(
        context,
        providerAccountId,
        null,
        {
          pool: pool.pool.id,
          side: 'sell',
          instance_sku: registered.id,
          allocation_schedule_delta: [{ start_at: startAt, end_at: endAt, node_count: nodes }],
          limit_price_dollars_per_node_hour: formatDollars(demoAskMicros(microsPerNodeHour, index, startAt)),
          allow_standing: true,
          allow_partial: true,
        },
        undefined,
      );
      if (isFailure(ask)) return fail(ask.failure, `seeding asks of ${sku.alias}: ${ask.message}`);
    }
  }

  const demo = await createAccount(context, { name: 'Demo', id: demoAccountId });
  if (isFailure(demo)) return demo;
  const credit = await grantCredit(context, demoAccountId, demoCreditDollars, 'Demo credit');
  if (isFailure(credit)) return credit;
  return { accountId: demo.account.id, token: demo.token };
}
