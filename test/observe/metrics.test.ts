// GET /metrics over HTTP, parsed by a Prometheus text parser, on both stores: the values move as
// a scenario runs (a standing offer, a fill, an instance awaiting then running, the clock left
// behind the engine's work), request latency is labelled by route pattern, and only the operator
// may scrape.

import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testOperatorToken, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { hour, openMarket } from './market-scenario.js';

class Scrape {
  readonly families: readonly ParsedFamily[];

  constructor(readonly text: string) {
    this.families = parsePrometheusTextFormat(text);
  }

  family(name: string): ParsedFamily {
    const family = this.families.find((candidate) => candidate.name === name);
    if (family === undefined) throw new Error(`no metric ${name}`);
    return family;
  }

  /** The sample's value with exactly these labels (0 when absent, as Prometheus reads a counter not yet seen). */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.family(name).metrics.find((candidate) => sameLabels(candidate.labels ?? {}, labels));
    return sample === undefined ? 0 : Number(sample.value);
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

describe.each(testDialects)('metrics on %s', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function scrape(): Promise<Scrape> {
    const response = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${testOperatorToken}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return new Scrape(await response.text());
  }

  it('answers only the operator, in the error envelope otherwise', async () => {
    const anonymous = await fetch(`${server.baseUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { type: 'authentication_error' } });
    const account = await server.newAccount();
    const asAccount = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${account.token}` } });
    expect(asAccount.status).toBe(401);
  });

  it('counts fills, matched orders and money, and keeps allocation held conserved through a fill', async () => {
    const market = await openMarket(server, 2);
    const before = await scrape();
    const sku = { instance_sku: market.sku };
    expect(before.value('allot_fills_total', sku)).toBe(0);
    expect(before.value('allot_instance_sku_info', { ...sku, alias: before.family('allot_instance_sku_info').metrics.find((sample) => sample.labels?.instance_sku === market.sku)!.labels!.alias! })).toBe(1);
    // Two nodes issued for the next hour: none held now, two node-hours ahead.
    expect(before.value('allot_allocation_held_nodes', sku)).toBe(0);
    expect(before.value('allot_allocation_held_node_seconds', sku)).toBe(2 * hour);

    const bought = await market.buy(1, '15.00');
    expect(bought.body.status).toBe('filled');
    const after = await scrape();
    expect(after.value('allot_fills_total', sku)).toBe(1);
    expect(after.value('allot_allocation_sold_node_seconds_total', sku)).toBe(hour);
    expect(after.value('allot_fill_dollars_total', sku)).toBe(9);
    expect(after.value('allot_orders_matched_total', { side: 'buy', status: 'filled' }) - before.value('allot_orders_matched_total', { side: 'buy', status: 'filled' })).toBe(1);
    expect(before.value('allot_orders_matched_total', { side: 'sell', status: 'standing' })).toBeGreaterThanOrEqual(1);
    // The fill moved allocation between pools: all pools together hold what they held.
    expect(after.value('allot_allocation_held_node_seconds', sku)).toBe(2 * hour);
    // $10,000 granted; $9 paid, of which the seller got $9 less $0.10 and 2% and the fees the rest.
    const money = (scraped: Scrape, ledger: string) => scraped.value('allot_money_dollars', { ledger });
    expect(money(after, 'granted') - money(before, 'granted')).toBe(0);
    expect(money(after, 'fees') - money(before, 'fees')).toBeCloseTo(0.1 + 0.18, 6);
    expect(money(after, 'cash') - money(before, 'cash')).toBeCloseTo(-(0.1 + 0.18), 6);
    expect(money(after, 'held')).toBe(0);
    expect(money(after, 'granted')).toBeCloseTo(money(after, 'cash') + money(after, 'held') + money(after, 'fees'), 6);

    // A standing buy holds its limit price times its node-hours.
    const standing = await server.newAccount();
    await server.operator.post(`/admin/v1/accounts/${standing.accountId}/credits`, { amount_dollars: 100 });
    const standingPool = (await standing.post('/preview/v2/pools', { workspace: 'default', name: 'waiting' })).body.id as string;
    const rested = await standing.post('/preview/v2/orders', { pool: standingPool, side: 'buy', instance_sku: market.sku, allocation_schedule_delta: [{ start_at: market.start, end_at: market.end, node_count: 3 }], limit_price_dollars_per_node_hour: '6.00', allow_standing: true });
    expect(rested.body.status).toBe('standing');
    const holding = await scrape();
    expect(money(holding, 'held')).toBe(18);
    expect(money(holding, 'granted') - money(after, 'granted')).toBe(100);
    expect((await standing.delete(`/preview/v2/orders/${rested.body.id}`)).status).toBe(204);
    expect(money(await scrape(), 'held')).toBe(0);
  });

  it('counts instances by status as they await allocation, run and end', async () => {
    const market = await openMarket(server, 1);
    expect((await market.buy(1, '15.00')).body.status).toBe('filled');
    const before = await scrape();
    const instances = (scraped: Scrape, status: string) => scraped.value('allot_instances', { status });
    const created = await market.buyer.post('/preview/v2/instances', { pool: market.buyerPool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: market.sku, name: 'metered' });
    expect(created.status).toBe(201);
    const awaiting = await scrape();
    expect(instances(awaiting, 'awaiting_allocation') - instances(before, 'awaiting_allocation')).toBe(1);

    await server.advance(hour);
    const running = await scrape();
    expect(instances(running, 'awaiting_allocation') - instances(before, 'awaiting_allocation')).toBe(0);
    expect(instances(running, 'running') - instances(before, 'running')).toBe(1);
    expect(running.value('allot_allocation_held_nodes', { instance_sku: market.sku })).toBe(1);

    await server.advance(hour);
    const ended = await scrape();
    expect(instances(ended, 'running') - instances(before, 'running')).toBe(0);
    expect(instances(ended, 'terminated') - instances(before, 'terminated')).toBe(1);
  });

  it('shows the engine lagging when the clock passes due work unprocessed, and caught up after', async () => {
    const market = await openMarket(server, 1);
    expect((await market.buy(1, '15.00')).body.status).toBe('filled');
    expect((await scrape()).value('allot_engine_lag_seconds')).toBe(0);
    // Moved behind the engine's back: the boundary at the start of the bought hour is overdue.
    server.clock.set(market.start + 90);
    expect((await scrape()).value('allot_engine_lag_seconds')).toBe(90);
    await server.advance(60);
    expect((await scrape()).value('allot_engine_lag_seconds')).toBe(0);
  });

  it('times requests by route pattern, method and status, never by the raw URL', async () => {
    const account = await server.newAccount();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'timed' })).body.id as string;
    expect((await account.get(`/preview/v2/pools/${pool}`)).status).toBe(200);
    expect((await account.get('/preview/v2/pools/pool_nosuchpoolatall0000000')).status).toBe(404);
    expect((await account.get('/no/such/route')).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/preview/v2/pools/${pool}`, { method: 'HEAD', headers: { authorization: `Bearer ${account.token}` } })).status).toBe(200);
    const scraped = await scrape();
    expect(scraped.family('allot_http_request_duration_seconds').type).toBe('HISTOGRAM');
    // The parser flattens a labelled histogram into one sample; its _count series, a counter in
    // Prometheus's model, is parsed as one.
    const family = parsePrometheusTextFormat(`# TYPE allot_http_request_duration_seconds_count counter\n${scraped.text.split('\n').filter((line) => line.startsWith('allot_http_request_duration_seconds_count{')).join('\n')}\n`)[0]!;
    const count = (labels: Record<string, string>) => Number(family.metrics.find((sample) => sameLabels(sample.labels ?? {}, labels))?.value ?? 0);
    expect(count({ method: 'GET', route: '/preview/v2/pools/:id', status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(count({ method: 'GET', route: '/preview/v2/pools/:id', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(count({ method: 'POST', route: '/preview/v2/pools', status_code: '201' })).toBeGreaterThanOrEqual(1);
    expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    // A HEAD, answered as the GET of its route, is counted as a HEAD.
    expect(count({ method: 'HEAD', route: '/preview/v2/pools/:id', status_code: '200' })).toBeGreaterThanOrEqual(1);
    const routes = new Set(family.metrics.map((sample) => sample.labels?.route));
    expect([...routes].filter((route) => route?.includes(pool) || route?.includes('no/such'))).toEqual([]);
    expect(scraped.value('allot_store_up')).toBe(1);
  });
});
