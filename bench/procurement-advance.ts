// The time to advance the manual clock a day and a week with procurements that no seller meets
// (a standing buy each, re-placed every minute by the minute-by-minute model), beside the same
// advance of the same market without them, as a ratio. Each procurement alone on its SKU skips
// the runs that change nothing (docs/decisions.md, "Coalesced procurement runs"); two on one SKU
// still run every minute, shown for scale. SQLite file, through the use cases.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount } from '../src/app/tenancy/accounts.js';
import { advanceClock } from '../src/engine/clock.js';
import { type AppContext, cryptoRandom } from '../src/app/kernel/context.js';
import { registerInstanceSku } from '../src/app/allocation/instance-skus.js';
import { changeIssuedAllocation } from '../src/app/allocation/issuance.js';
import { createPool, createPoolForOperator } from '../src/app/allocation/pools.js';
import { createOrder } from '../src/app/market/orders.js';
import { grantCredit } from '../src/app/market/money.js';
import { createProcurement } from '../src/app/market/procurements.js';
import { reconcilePoolSku } from '../src/app/compute/reconciler.js';
import { ManualClock } from '../src/clock/manual-clock.js';
import { type Failure, isFailure } from '../src/domain/kernel/failures.js';
import { defaultFeePolicy } from '../src/domain/kernel/money.js';
import { SimulatedProvider } from '../src/providers/simulated.js';
import { FileBlobStore } from '../src/store/blobs.js';
import { openStore } from '../src/store/open-store.js';

const procurementCount = 10;
const day = 24 * 3600;
const start = 1_767_225_600;

function must<T>(value: T | Failure): Exclude<T, Failure> {
  if (isFailure(value)) throw new Error(`set-up failed: ${value.message}`);
  return value as Exclude<T, Failure>;
}

/** A market of `skus` SKUs (each offered too dear for 9 days) and `procurements` procurements spread over them; the advance of a day, then of a week, in seconds. */
async function advanceWith(skuCount: number, procurements: number): Promise<{ day: number; week: number | null }> {
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-procurements-'));
  const store = await openStore(`sqlite:${join(directory, 'allot.db')}`, start);
  try {
    const clock = new ManualClock(start);
    const context: AppContext = { store, clock, random: cryptoRandom, provider: new SimulatedProvider(), blobs: new FileBlobStore(join(directory, 'blobs')), urlSigningKey: 'bench', feePolicy: defaultFeePolicy, followAllocation: reconcilePoolSku };
    const provider = must(await createAccount(context, { name: 'Provider' }));
    const buyer = must(await createAccount(context, { name: 'Buyer' }));
    must(await grantCredit(context, buyer.account.id, '1000000.00', null));
    const supply = must(await createPoolForOperator(context, { account: provider.account.id, name: 'supply', kind: 'originating' }));
    const skus: string[] = [];
    for (let index = 0; index < skuCount; index++) {
      const sku = must(await registerInstanceSku(context, { alias: `bench-${index}` }));
      skus.push(sku.id);
      const window = [{ start_at: start, end_at: start + 9 * day, node_count: 8 }];
      must(await changeIssuedAllocation(context, 'issuance', { pool: supply.pool.id, instance_sku: sku.id, allocation_schedule: window }));
      must(await createOrder(context, provider.account.id, null, { pool: supply.pool.id, side: 'sell', instance_sku: sku.id, allocation_schedule_delta: window, limit_price_dollars_per_node_hour: '20.00', allow_standing: true, allow_partial: true }, undefined));
    }
    for (let index = 0; index < procurements; index++) {
      const pool = must(await createPool(context, buyer.account.id, { workspace: 'default', name: `compute-${index}` }));
      must(await createProcurement(context, buyer.account.id, { pool: pool.pool.id, instance_sku: skus[index % skuCount]!, target: 1, min_sell_price_dollars_per_node_hour: '1.00', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: 60 }));
    }
    const timed = async (seconds: number) => {
      const began = performance.now();
      must(await advanceClock(context, seconds));
      return (performance.now() - began) / 1000;
    };
    const dayTime = await timed(day);
    // Minute by minute a week takes minutes: the day says enough.
    const weekTime = skuCount >= procurements ? await timed(7 * day) : null;
    return { day: dayTime, week: weekTime };
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function benchProcurementAdvance(): Promise<string[]> {
  const baseline = await advanceWith(procurementCount, 0);
  const alone = await advanceWith(procurementCount, procurementCount);
  const shared = await advanceWith(1, 2);
  const ratio = (seconds: number, base: number) => `${seconds.toFixed(2)} s, ${(seconds / base).toFixed(1)}x the advance without procurements (${base.toFixed(2)} s)`;
  return [
    `advance the manual clock with ${procurementCount} procurements no seller meets, each alone on its SKU, beside the same market without them (SQLite file)`,
    `  one day:   ${ratio(alone.day, baseline.day)}`,
    `  one week:  ${ratio(alone.week!, baseline.week!)}`,
    `  for scale, 2 procurements on one SKU (run minute by minute), one day: ${shared.day.toFixed(2)} s`,
  ];
}
