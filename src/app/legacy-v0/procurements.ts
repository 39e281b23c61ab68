// `/v0/procurements`: the v2 procurement seen as SF Compute's older procurement. Creating one
// makes a market pool of its own in the default workspace (named like the procurement) and a v2
// procurement on it; the v2 API shows both. An autoreserved v1 node's procurement belongs to its
// spot deployment: here only its price changes (`sf nodes set`), for buying and selling alike,
// as a spot deployment's price does.

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { createV0ProcurementOperation, getV0ProcurementOperation, listV0ProcurementsOperation, patchV0ProcurementOperation } from '../../domain/legacy-v0/operations.js';
import { declaring } from '../kernel/declaring.js';
import { v0PageSizeMax, v0ProcurementHorizonMinutesDefault } from '../../domain/kernel/limits.js';
import { formatDollars } from '../../domain/kernel/money.js';
import { meetsInstanceType, parseInstanceType } from '../../domain/legacy-v0/instance-types.js';
import {
  checkColocationStrategy,
  checkDesiredQuantity,
  checkHorizon,
  type ColocationStrategy,
  gpuHourCentsToMicros,
} from '../../domain/legacy-v0/procurements.js';
import { procurementWindow } from '../../domain/market/procurement.js';
import { invalidField } from '../../domain/kernel/failures.js';
import type { InstanceSkuRecord } from '../../store/allocation.js';
import type { ProcurementView } from '../../store/market.js';
import type { Tx } from '../../store/store.js';
import { insertPool } from '../allocation/pools.js';
import { type AppContext, newName } from '../kernel/context.js';
import { type Answerer, runIdempotentAnswer, type StoredAnswer } from '../kernel/idempotency.js';
import { bestFill } from '../market/orderbook.js';
import { changeProcurement, insertProcurement, type PatchProcurementInput } from '../market/procurements.js';
import { resolveProcurement } from '../market/references.js';

export interface V0ProcurementReading {
  readonly procurement: ProcurementView;
  readonly sku: InstanceSkuRecord;
  /** Its target in nodes (a node's procurement targets its VMs: one while it runs). */
  readonly desiredQuantity: number;
}

async function readProcurement(tx: Tx, procurement: ProcurementView): Promise<V0ProcurementReading> {
  const sku = (await tx.instanceSkus.findById(procurement.instanceSkuId))!;
  const desiredQuantity = procurement.target === 'node_count' ? (await tx.instances.liveInPoolSku(procurement.poolId, procurement.instanceSkuId)).length : procurement.target;
  return { procurement, sku, desiredQuantity };
}

export interface V0ProcurementInput {
  readonly instance_type: string;
  readonly desired_quantity: number;
  readonly buy_limit_price_per_gpu_hour?: number | undefined;
  readonly sell_limit_price_per_gpu_hour?: number | undefined;
  readonly horizon?: number | undefined;
  readonly status?: 'active' | 'disabled' | undefined;
  readonly colocation_strategy?: { readonly type: string; readonly cluster_name?: string | undefined } | undefined;
}

/** The default horizon: an hour ahead, as SF Compute's example has it. */

/**
 * The SKUs a procurement may go to: those of the instance type, or, pinned, the zone's. A pinned
 * procurement buys what its zone has whatever the instance type: the legacy `sf scale create -z`
 * says "If provided, `-t`/`--type` will be ignored" and still sends its default `h100i`
 * (src/lib/scale/create.tsx in github.com/sfcompute/cli v0.32.5), as `GET /v0/quote` with a
 * `cluster` ignores the type. The zone's SKUs of the type come first when it has any.
 */
function candidateSkus(skus: readonly InstanceSkuRecord[], instanceType: string, strategy: ColocationStrategy): InstanceSkuRecord[] {
  if (strategy.type !== 'pinned') return skus.filter((sku) => meetsInstanceType(sku.properties, instanceType));
  const zone = skus.filter((sku) => sku.properties.availability_zone === strategy.cluster_name);
  const ofType = zone.filter((sku) => meetsInstanceType(sku.properties, instanceType));
  return ofType.length > 0 ? ofType : zone;
}

/** Of several SKUs, the one where the procurement's first buy is cheapest now; the first when none has sellers. */
async function chooseSku(tx: Tx, skus: readonly InstanceSkuRecord[], nodes: number, maxBuyMicros: number, horizon: number, now: number): Promise<InstanceSkuRecord> {
  if (skus.length === 1 || nodes === 0) return skus[0]!;
  const best = await bestFill(tx, skus, { side: 'buy', ...procurementWindow(now, horizon), nodeCount: nodes, limitMicros: maxBuyMicros, excludePoolId: null }, now);
  return best?.sku ?? skus[0]!;
}

export const createV0Procurement = declaring(createV0ProcurementOperation, async function createV0Procurement(context: AppContext, accountId: string, input: V0ProcurementInput, idempotencyKey: string | undefined, answer: Answerer<V0ProcurementReading>): Promise<StoredAnswer | Failure> {
  const instanceType = parseInstanceType(input.instance_type, 'instance_type');
  if (isFailure(instanceType)) return instanceType;
  const badQuantity = checkDesiredQuantity(input.desired_quantity);
  if (badQuantity !== null) return badQuantity;
  if (input.buy_limit_price_per_gpu_hour === undefined) return invalidField('buy_limit_price_per_gpu_hour', 'missing', 'A procurement needs buy_limit_price_per_gpu_hour, in cents');
  const maxBuy = gpuHourCentsToMicros(input.buy_limit_price_per_gpu_hour, 'buy_limit_price_per_gpu_hour', 1);
  if (isFailure(maxBuy)) return maxBuy;
  const minSell = gpuHourCentsToMicros(input.sell_limit_price_per_gpu_hour ?? 0, 'sell_limit_price_per_gpu_hour', 0);
  if (isFailure(minSell)) return minSell;
  const horizon = input.horizon ?? v0ProcurementHorizonMinutesDefault;
  const badHorizon = checkHorizon(horizon);
  if (badHorizon !== null) return badHorizon;
  const strategy = checkColocationStrategy(input.colocation_strategy ?? { type: 'anywhere' });
  if (isFailure(strategy)) return strategy;
  return runIdempotentAnswer(
    context,
    { accountId, key: idempotencyKey, operation: 'create_v0_procurement', body: input },
    async (tx, now) => {
      const skus = candidateSkus(await tx.instanceSkus.listAll(), instanceType, strategy);
      if (skus.length === 0) {
        return strategy.type === 'pinned'
          ? invalidField('colocation_strategy.cluster_name', 'unknown_zone', `No zone "${strategy.cluster_name}"; GET /v0/zones lists the zones`)
          : invalidField('instance_type', 'unavailable', `No instance SKU is of type ${instanceType}`);
      }
      const sku = await chooseSku(tx, skus, input.desired_quantity, maxBuy, horizon, now);
      const account = (await tx.accounts.find(accountId))!;
      const workspace = (await tx.workspaces.findById(accountId, account.defaultWorkspaceId))!;
      const pool = await insertPool(context, tx, workspace, 'market', { name: newName(context) }, now);
      if (isFailure(pool)) return pool;
      const procurement = await insertProcurement(
        context,
        tx,
        accountId,
        {
          name: pool.pool.name,
          pool: pool.pool.id,
          instance_sku: sku.id,
          target: input.desired_quantity,
          min_sell_price_dollars_per_node_hour: formatDollars(minSell),
          max_buy_price_dollars_per_node_hour: formatDollars(maxBuy),
          managed_window_minutes: horizon,
          enabled: (input.status ?? 'active') === 'active',
        },
        now,
      );
      if (isFailure(procurement)) return procurement;
      return { id: procurement.id, result: await readProcurement(tx, procurement) };
    },
    answer,
    async (tx, id) => {
      const procurement = await resolveProcurement(tx, accountId, id);
      return isFailure(procurement) ? procurement : readProcurement(tx, procurement);
    },
  );
});

export const getV0Procurement = declaring(getV0ProcurementOperation, async function getV0Procurement(context: AppContext, accountId: string, reference: string): Promise<V0ProcurementReading | Failure> {
  return context.store.read(async (tx) => {
    const procurement = await resolveProcurement(tx, accountId, reference);
    return isFailure(procurement) ? procurement : readProcurement(tx, procurement);
  });
});

export interface OffsetPage<T> {
  readonly data: readonly T[];
  readonly has_more: boolean;
}

/** v0 lists page by `limit` (1 to 100, 100 by default) and `offset`, newest first. */
export function checkOffsetPage(input: { readonly limit?: number | undefined; readonly offset?: number | undefined }): { limit: number; offset: number } | Failure {
  const limit = input.limit ?? v0PageSizeMax;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > v0PageSizeMax) return invalidField('limit', 'out_of_range', `limit is from 1 to ${v0PageSizeMax}`);
  const offset = input.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) return invalidField('offset', 'out_of_range', 'offset is a whole number, at least 0');
  return { limit, offset };
}

export const listV0Procurements = declaring(listV0ProcurementsOperation, async function listV0Procurements(context: AppContext, accountId: string, input: { readonly limit?: number | undefined; readonly offset?: number | undefined }): Promise<OffsetPage<V0ProcurementReading> | Failure> {
  const page = checkOffsetPage(input);
  if (isFailure(page)) return page;
  return context.store.read(async (tx) => {
    // The rows up to the end of the page and one more, newest first: the extra one says there is more.
    const rows = await tx.procurements.list({ accountId, workspaceId: null, poolId: null }, { direction: 'older', boundarySeq: null, limit: page.offset + page.limit });
    const data: V0ProcurementReading[] = [];
    for (const procurement of rows.slice(page.offset, page.offset + page.limit)) data.push(await readProcurement(tx, procurement));
    return { data, has_more: rows.length > page.offset + page.limit };
  });
});

export interface PatchV0ProcurementInput {
  readonly status?: 'active' | 'disabled' | null | undefined;
  readonly instance_type?: string | null | undefined;
  readonly desired_quantity?: number | null | undefined;
  readonly buy_limit_price_per_gpu_hour?: number | null | undefined;
  readonly sell_limit_price_per_gpu_hour?: number | null | undefined;
  readonly horizon?: number | null | undefined;
}

/**
 * Changes a procurement, and runs it. A new instance type keeps the SKU when it is of that type,
 * and otherwise moves to one of it in the same zone, or any. A node's procurement (a spot
 * deployment's) changes only its price here, which is its buy and sell price alike.
 */
export const patchV0Procurement = declaring(patchV0ProcurementOperation, async function patchV0Procurement(context: AppContext, accountId: string, reference: string, input: PatchV0ProcurementInput): Promise<V0ProcurementReading | Failure> {
  const instanceType = input.instance_type === undefined || input.instance_type === null ? null : parseInstanceType(input.instance_type, 'instance_type');
  if (isFailure(instanceType)) return instanceType;
  if (input.desired_quantity !== undefined && input.desired_quantity !== null) {
    const badQuantity = checkDesiredQuantity(input.desired_quantity);
    if (badQuantity !== null) return badQuantity;
  }
  const maxBuy = input.buy_limit_price_per_gpu_hour === undefined || input.buy_limit_price_per_gpu_hour === null ? null : gpuHourCentsToMicros(input.buy_limit_price_per_gpu_hour, 'buy_limit_price_per_gpu_hour', 1);
  if (isFailure(maxBuy)) return maxBuy;
  const minSell = input.sell_limit_price_per_gpu_hour === undefined || input.sell_limit_price_per_gpu_hour === null ? null : gpuHourCentsToMicros(input.sell_limit_price_per_gpu_hour, 'sell_limit_price_per_gpu_hour', 0);
  if (isFailure(minSell)) return minSell;
  if (input.horizon !== undefined && input.horizon !== null) {
    const badHorizon = checkHorizon(input.horizon);
    if (badHorizon !== null) return badHorizon;
  }
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const procurement = await resolveProcurement(tx, accountId, reference);
    if (isFailure(procurement)) return procurement;
    const deployment = await tx.deployments.findByProcurement(procurement.id);
    let changes: PatchProcurementInput;
    if (deployment !== undefined) {
      const others = (['status', 'instance_type', 'desired_quantity', 'sell_limit_price_per_gpu_hour', 'horizon'] as const).filter((field) => input[field] !== undefined && input[field] !== null);
      if (others.length > 0) {
        return fail('automation_conflict', `Procurement ${procurement.id} belongs to spot deployment "${deployment.name}" (an autoreserved node's): only buy_limit_price_per_gpu_hour changes here, not ${others.join(', ')}`);
      }
      changes = maxBuy === null ? {} : { max_buy_price_dollars_per_node_hour: formatDollars(maxBuy), min_sell_price_dollars_per_node_hour: formatDollars(maxBuy) };
    } else {
      let skuId: string | null = null;
      if (instanceType !== null) {
        const current = (await tx.instanceSkus.findById(procurement.instanceSkuId))!;
        if (!meetsInstanceType(current.properties, instanceType)) {
          const skus = (await tx.instanceSkus.listAll()).filter((sku) => meetsInstanceType(sku.properties, instanceType));
          const sameZone = skus.find((sku) => sku.properties.availability_zone === current.properties.availability_zone);
          const chosen = sameZone ?? skus[0];
          if (chosen === undefined) return invalidField('instance_type', 'unavailable', `No instance SKU is of type ${instanceType}`);
          skuId = chosen.id;
        }
      }
      changes = {
        ...(skuId === null ? {} : { instance_sku: skuId }),
        ...(input.desired_quantity === undefined || input.desired_quantity === null ? {} : { target: input.desired_quantity }),
        ...(maxBuy === null ? {} : { max_buy_price_dollars_per_node_hour: formatDollars(maxBuy) }),
        ...(minSell === null ? {} : { min_sell_price_dollars_per_node_hour: formatDollars(minSell) }),
        ...(input.horizon === undefined || input.horizon === null ? {} : { managed_window_minutes: input.horizon }),
        ...(input.status === undefined || input.status === null ? {} : { enabled: input.status === 'active' }),
      };
    }
    const changed = await changeProcurement(context, tx, procurement, changes, now);
    if (isFailure(changed)) return changed;
    return readProcurement(tx, changed);
  });
});
