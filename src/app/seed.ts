// The demo seed: what `allot serve` puts into a new database so that a new user can call the API
// in the first minute. A catalogue modelled on SF Compute's (H100 and H200 nodes of 8 GPUs with
// InfiniBand, in several zones), a provider whose originating pools hold supply for the coming
// weeks, and a demo account whose token is printed.

import { fail, type Failure, isFailure } from '../domain/failures.js';
import type { RegisterInstanceSkuInput } from './instance-skus.js';
import { registerInstanceSku } from './instance-skus.js';
import { changeIssuedAllocation } from './allocation.js';
import { createAccount } from './accounts.js';
import type { AppContext } from './context.js';
import { createPoolForOperator } from './pools.js';
import { floorToMinute } from '../domain/schedule.js';

export const demoAccountId = 'demo';
export const providerAccountId = 'provider';

/** How long the provider's seeded supply lasts, from the first start. */
const supplyDurationSeconds = 28 * 24 * 60 * 60;

const tebibyte = 1024 ** 4;

const h100 = { accelerator: 'h100', form_factor: 'sxm', num_accelerators: 8, num_vcpus: 112, memory: 2 * tebibyte, local_storage: 16 * tebibyte } as const;
const h200 = { accelerator: 'h200', form_factor: 'sxm', num_accelerators: 8, num_vcpus: 128, memory: 2 * tebibyte, local_storage: 28 * tebibyte } as const;

/** The demo catalogue, and how many nodes of each the provider supplies. */
export const demoCatalogue: readonly { readonly sku: RegisterInstanceSkuInput; readonly nodes: number }[] = [
  { sku: { alias: 'h100-richmond', region: 'us-west', availability_zone: 'richmond', rdma_type: 'infiniband', supports_public_ipv4: true, ...h100 }, nodes: 64 },
  { sku: { alias: 'h100-hayesvalley', region: 'us-west', availability_zone: 'hayesvalley', rdma_type: 'infiniband', supports_public_ipv4: false, ...h100 }, nodes: 32 },
  { sku: { alias: 'h100-fishermanswharf', region: 'us-west', availability_zone: 'fishermanswharf', rdma_type: 'roce', supports_public_ipv4: true, ...h100 }, nodes: 16 },
  { sku: { alias: 'h200-yerbabuena', region: 'us-west', availability_zone: 'yerbabuena', rdma_type: 'infiniband', supports_public_ipv4: true, ...h200 }, nodes: 24 },
];

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
  const start = floorToMinute(context.clock.now());
  for (const { sku, nodes } of demoCatalogue) {
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
  }

  const demo = await createAccount(context, { name: 'Demo', id: demoAccountId });
  if (isFailure(demo)) return demo;
  return { accountId: demo.account.id, token: demo.token };
}
