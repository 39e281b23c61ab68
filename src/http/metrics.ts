// Prometheus metrics at GET /metrics (prom-client, one registry per server): request latency by
// route pattern and status, counters fed by committed domain events (fills, matched orders), and
// gauges read from the store when scraped (instances by status, allocation held, money by kind,
// the engine's lag behind the clock), and whether the engine is paused. The store is read at most once per `storeReadIntervalMs`
// however often it is scraped, and concurrent scrapes share one read. docs/operations.md says
// what each metric means; docs/decisions.md why /metrics asks for the operator token.

import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppContext } from '../app/kernel/context.js';
import type { DomainEvent } from '../app/kernel/events.js';
import { type MarketObservation, observeMarket } from '../app/operator/observations.js';

export interface MetricsOptions {
  /** The longest a scrape reuses the last read of the store, in milliseconds (default 5,000).
   * Prometheus scrapes every 15 s or more by default, so each normal scrape reads afresh; a
   * burst of scrapes reads once. 0 reads on every scrape. */
  readonly storeReadIntervalMs?: number;
  /** Whether the engine is paused, waiting for the database (engine/engine.ts); absent where no
   * engine runs (the manual clock's advance does its work), and so is `allot_engine_paused`. */
  readonly enginePaused?: () => boolean;
}

const storeReadIntervalMsDefault = 5_000;

/** Request latency buckets, in seconds: most requests take a millisecond or less; an advance of
 * the manual clock over a busy market may take seconds. */
const latencyBucketsSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const microsPerDollar = 1_000_000;

export function registerMetrics(app: FastifyInstance, context: AppContext, options: MetricsOptions = {}): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requestDuration = new Histogram({
    name: 'allot_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: latencyBucketsSeconds,
    registers: [registry],
  });
  // A callback hook, not an async one: it runs on every request.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  const fills = new Counter({ name: 'allot_fills_total', help: 'Trades made by matching (one contract each), by instance SKU.', labelNames: ['instance_sku'] as const, registers: [registry] });
  const soldNodeSeconds = new Counter({ name: 'allot_allocation_sold_node_seconds_total', help: 'Node-seconds of allocation moved from sellers to buyers by fills, by instance SKU.', labelNames: ['instance_sku'] as const, registers: [registry] });
  const soldDollars = new Counter({ name: 'allot_fill_dollars_total', help: 'Dollars paid by buyers in fills (before fees), by instance SKU.', labelNames: ['instance_sku'] as const, registers: [registry] });
  const ordersMatched = new Counter({ name: 'allot_orders_matched_total', help: 'Orders placed and matched against the book, by side and the status they were left in.', labelNames: ['side', 'status'] as const, registers: [registry] });
  const countEvent = (event: DomainEvent) => {
    if (event.kind === 'fill') {
      fills.inc({ instance_sku: event.instanceSkuId });
      soldNodeSeconds.inc({ instance_sku: event.instanceSkuId }, event.nodeSeconds);
      soldDollars.inc({ instance_sku: event.instanceSkuId }, event.totalMicros / microsPerDollar);
    } else if (event.kind === 'order_matched') {
      ordersMatched.inc({ side: event.side, status: event.status });
    }
  };
  const unsubscribe = context.events?.subscribe(countEvent);
  app.addHook('onClose', (_instance, done) => {
    unsubscribe?.();
    done();
  });

  const observation = sharedObservation(context, options.storeReadIntervalMs ?? storeReadIntervalMsDefault);
  /** A gauge's collect: cleared (so that labels gone since the last scrape go), then filled from the shared read. */
  const observed = (fill: (gauge: Gauge, observed: MarketObservation) => void) =>
    async function collect(this: Gauge) {
      this.reset();
      const read = await observation();
      if (read !== null) fill(this, read);
    };
  new Gauge({
    name: 'allot_instances',
    help: 'Instances (not deleted) by status.',
    labelNames: ['status'] as const,
    registers: [registry],
    collect: observed((gauge, read) => {
      for (const { status, count } of read.instances) gauge.set({ status }, count);
    }),
  });
  new Gauge({
    name: 'allot_instance_sku_info',
    help: 'Each instance SKU, with its alias; always 1. Join on instance_sku to name the others.',
    labelNames: ['instance_sku', 'alias'] as const,
    registers: [registry],
    collect: observed((gauge, read) => {
      for (const sku of read.allocation) gauge.set({ instance_sku: sku.instanceSkuId, alias: sku.instanceSkuAlias }, 1);
    }),
  });
  new Gauge({
    name: 'allot_allocation_held_nodes',
    help: 'Nodes held by all pools at the current minute, by instance SKU.',
    labelNames: ['instance_sku'] as const,
    registers: [registry],
    collect: observed((gauge, read) => {
      for (const sku of read.allocation) gauge.set({ instance_sku: sku.instanceSkuId }, sku.heldNodes);
    }),
  });
  new Gauge({
    name: 'allot_allocation_held_node_seconds',
    help: 'Node-seconds held by all pools from the current minute to 14 days ahead, by instance SKU.',
    labelNames: ['instance_sku'] as const,
    registers: [registry],
    collect: observed((gauge, read) => {
      for (const sku of read.allocation) gauge.set({ instance_sku: sku.instanceSkuId }, sku.heldNodeSeconds);
    }),
  });
  new Gauge({
    name: 'allot_money_dollars',
    help: 'Money by kind of ledger account: cash (accounts can spend), held (by resting buys), fees (taken), granted (credit granted in all).',
    labelNames: ['ledger'] as const,
    registers: [registry],
    collect: observed((gauge, read) => {
      for (const [ledger, micros] of Object.entries(read.moneyMicros)) gauge.set({ ledger }, micros / microsPerDollar);
    }),
  });
  new Gauge({
    name: 'allot_engine_lag_seconds',
    help: 'How far the earliest due time-driven work (a schedule boundary, an order end, a procurement run) is behind the clock; 0 when none is overdue.',
    registers: [registry],
    collect: observed((gauge, read) => {
      gauge.set(read.engineLagSeconds);
    }),
  });
  const enginePaused = options.enginePaused;
  if (enginePaused !== undefined) {
    new Gauge({
      name: 'allot_engine_paused',
      help: 'Whether this process\'s engine is paused (1) because the database is unavailable, or runs (0); read from the process, not the store.',
      registers: [registry],
      collect() {
        this.set(enginePaused() ? 1 : 0);
      },
    });
  }
  new Gauge({
    name: 'allot_store_up',
    help: 'Whether the read of the store for these metrics succeeded (1) or failed (0).',
    registers: [registry],
    async collect() {
      this.set((await observation()) === null ? 0 : 1);
    },
  });

  app.get('/metrics', { config: { audience: 'operator' }, schema: { hide: true } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });

  /** One read of the store, shared by every gauge of a scrape (they ask together) and reused by
   * scrapes up to `intervalMs` after it ended. A failed read gives null: the gauges are absent
   * from that scrape and allot_store_up is 0. */
  function sharedObservation(context: AppContext, intervalMs: number): () => Promise<MarketObservation | null> {
    let read: Promise<MarketObservation | null> | null = null;
    let settledAtMs: number | null = null;
    return () => {
      const stale = settledAtMs !== null && performance.now() - settledAtMs > intervalMs;
      if (read === null || stale) {
        settledAtMs = null;
        read = observeMarket(context).then(
          (observed) => observed,
          (error: unknown) => {
            app.log.warn({ err: error }, 'metrics: the store could not be read');
            return null;
          },
        );
        void read.then(() => {
          settledAtMs = performance.now();
        });
      }
      return read;
    };
  }
}
