// What the operator's dashboards read: the state of the market and the fleet at one moment
// (instances by status, allocation held per SKU, money per kind of ledger account, how far the
// time-driven work lags the clock), and the health of this process (store, clock, leadership).
// Each read touches current-state tables only — instance statuses, one balance row per pool and
// SKU, two money rows per account, the first due item of each queue by index — never the
// append-only ledgers, so a read costs the same after a year of trading as after a day.

import { heldMetricHorizonSeconds } from '../../domain/kernel/limits.js';
import type { InstanceStatus } from '../../domain/compute/placement.js';
import { floorToMinute, integral, valueAt } from '../../domain/kernel/schedule.js';
import type { ClockMode } from '../../clock/clock.js';
import type { StoreDialect } from '../../store/store.js';
import type { AppContext } from '../kernel/context.js';

/** How far ahead held allocation is counted in node-seconds: allocation issued with no end
 * would otherwise be infinite. Two weeks is the window the demo market keeps supply for. */

export interface AllocationObservation {
  readonly instanceSkuId: string;
  readonly instanceSkuAlias: string;
  /** Nodes all pools hold at the current minute. */
  readonly heldNodes: number;
  /** Node-seconds all pools hold from the current minute to `heldMetricHorizonSeconds` ahead. */
  readonly heldNodeSeconds: number;
}

export interface MarketObservation {
  readonly at: number;
  readonly instances: readonly { readonly status: InstanceStatus; readonly count: number }[];
  readonly allocation: readonly AllocationObservation[];
  /** Sums of the money ledger's accounts by kind, in micro-dollars: what accounts can spend
   * (`cash`), what resting buys hold (`held`), fees taken (`fees`), and credit granted
   * (`granted`, as a positive amount: the ledger keeps it as the source of all credit). */
  readonly moneyMicros: { readonly cash: number; readonly held: number; readonly fees: number; readonly granted: number };
  /** Seconds the earliest due work (a schedule boundary, an order's end, a procurement's run)
   * is behind the clock; 0 when nothing is overdue. */
  readonly engineLagSeconds: number;
}

export async function observeMarket(context: AppContext): Promise<MarketObservation> {
  const at = context.clock.now();
  const minute = floorToMinute(at);
  return context.store.read(async (tx) => {
    const instances = await tx.instances.countsByStatus();
    const skus = await tx.instanceSkus.listAll();
    const held = new Map(skus.map((sku) => [sku.id, { instanceSkuId: sku.id, instanceSkuAlias: sku.alias, heldNodes: 0, heldNodeSeconds: 0 }]));
    for (const balance of await tx.allocation.allBalances()) {
      const entry = held.get(balance.instanceSkuId);
      if (entry === undefined) continue;
      entry.heldNodes += valueAt(balance.schedule, minute);
      entry.heldNodeSeconds += integral(balance.schedule, minute, minute + heldMetricHorizonSeconds);
    }
    const money = { cash: 0, held: 0, fees: 0, granted: 0 };
    for (const [key, micros] of await tx.money.allBalances()) {
      const kind = key.split(':')[0];
      if (kind === 'cash' || kind === 'held' || kind === 'fees') money[kind] += micros;
      else if (kind === 'granted') money.granted -= micros;
    }
    const [boundary] = await tx.allocation.dueBoundaries(at, 1);
    const [expiry] = await tx.orders.dueExpiries(at, 1);
    const [run] = await tx.procurements.dueRuns(at, 1);
    const due = [boundary?.at, expiry?.endAt, run?.at].filter((time): time is number => time !== undefined);
    const engineLagSeconds = due.length === 0 ? 0 : Math.max(0, at - Math.min(...due));
    return { at, instances, allocation: [...held.values()].sort((a, b) => a.instanceSkuAlias.localeCompare(b.instanceSkuAlias)), moneyMicros: money, engineLagSeconds };
  });
}

export interface HealthReport {
  readonly healthy: boolean;
  readonly store: { readonly kind: StoreDialect; readonly reachable: boolean; readonly error: string | null };
  readonly clock: { readonly kind: ClockMode; readonly now: number };
  /** Whether this process holds the engine's leadership (always, on SQLite; on PostgreSQL, the
   * advisory lock). Asked without trying to take it. */
  readonly leader: boolean;
}

/** Checks that the store answers (one indexed read), within `timeoutMs`. */
export async function checkHealth(context: AppContext, timeoutMs: number): Promise<HealthReport> {
  const clock = { kind: context.clock.mode, now: context.clock.now() };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  let error: string | null = null;
  let leader = false;
  try {
    await Promise.race([context.store.read((tx) => tx.instanceSkus.listAll()), timeout]);
    leader = await Promise.race([context.store.holdsLeadership(), timeout]);
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  } finally {
    clearTimeout(timer);
  }
  return { healthy: error === null, store: { kind: context.store.dialect, reachable: error === null, error }, clock, leader };
}
